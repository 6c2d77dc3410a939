//! `admin agents …`: a site's agents, who sign in to the console.

use std::process::ExitCode;

use clap::Subcommand;

use super::terminal::{fail, secret_input};
use crate::sites::Site;

#[derive(Subcommand, Debug)]
pub(super) enum AgentCommand {
    /// Add an agent. The password is read from HELPCENTER_AGENT_PASSWORD, else from the first
    /// line of standard input (never from the command line, where other users and the shell's
    /// history would see it).
    Add {
        #[arg(long)]
        email: String,
        /// Shown to colleagues on the timeline ("by Wei").
        #[arg(long)]
        name: String,
        /// `agent` works tickets; `owner` also runs the site's console settings.
        #[arg(long, default_value = "agent")]
        role: String,
    },
    /// The site's agents, disabled ones marked.
    List,
    /// Disable an agent: no more sign-ins, and their open sessions end at once.
    Disable {
        #[arg(long)]
        email: String,
    },
    /// Set a new password (read as for `add`); the agent's open sessions end.
    SetPassword {
        #[arg(long)]
        email: String,
    },
}

/// The password for `admin agents add | set-password`: from the environment, else the first
/// line of standard input.
fn agent_password() -> Result<String, String> {
    secret_input("HELPCENTER_AGENT_PASSWORD", "the password")
}

pub(super) fn run(
    sites: Vec<Site>,
    data_dir: &std::path::Path,
    database: &crate::store::Database,
    site_key: &str,
    command: AgentCommand,
) -> ExitCode {
    if !sites.iter().any(|s| s.key == site_key) {
        return fail(&format!("there is no site {site_key:?}"));
    }
    let password = match &command {
        AgentCommand::Add { .. } | AgentCommand::SetPassword { .. } => match agent_password() {
            Ok(password) => Some(password),
            Err(message) => return fail(&message),
        },
        _ => None,
    };
    if let Err(e) = std::fs::create_dir_all(data_dir) {
        return fail(&format!("cannot create {}: {e}", data_dir.display()));
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => return fail(&format!("cannot start the async runtime: {e}")),
    };
    runtime.block_on(async {
        let store = match crate::store::Store::open(database).await {
            Ok(store) => store,
            Err(e) => return fail(&e.to_string()),
        };
        let password = password.unwrap_or_default();
        let done = match command {
            AgentCommand::Add { email, name, role } => {
                let Some(role) = helpcenter_api::console::AgentRole::parse(&role) else {
                    return fail(&format!("unknown role {role:?}: agent or owner"));
                };
                crate::agents::add_agent(&store, site_key, &email, &name, role, &password)
                    .await
                    .map(|agent| {
                        println!(
                            "Added {} <{}> ({}) to site {site_key:?}: id {}",
                            agent.name, agent.email, agent.role, agent.id
                        );
                    })
            }
            AgentCommand::List => store
                .agents(site_key)
                .await
                .map_err(Into::into)
                .map(|agents| {
                    for a in &agents {
                        let state = match &a.disabled_at {
                            Some(at) => format!("disabled {at}"),
                            None => "active".into(),
                        };
                        println!(
                            "{}  {:<30}  {:<20}  {:<6}  {state}",
                            a.id, a.email, a.name, a.role
                        );
                    }
                    println!("{} agent(s)", agents.len());
                }),
            AgentCommand::Disable { email } => {
                crate::agents::disable_agent(&store, site_key, &email)
                    .await
                    .map(|newly| {
                        if newly {
                            println!(
                                "Disabled {email} on site {site_key:?}; their sessions have ended"
                            );
                        } else {
                            println!("{email} on site {site_key:?} was disabled already");
                        }
                    })
            }
            AgentCommand::SetPassword { email } => {
                crate::agents::set_password(&store, site_key, &email, &password)
                    .await
                    .map(|()| println!("New password set for {email}; their sessions have ended"))
            }
        };
        match done {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail(&e.to_string()),
        }
    })
}
