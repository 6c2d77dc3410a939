//! `admin tickets …`: a site's tickets, worked as the admin API works them.

use clap::Subcommand;

use super::terminal::{print_json, with_code};
use crate::AppState;
use crate::routes::admin;
use crate::sites::Site;

#[derive(Subcommand, Debug)]
pub(super) enum TicketCommand {
    /// The site's tickets, most recently updated first.
    List {
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        order_number: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// One ticket with its timeline, evidence and internal notes, as JSON.
    Show { id: String },
    /// Move a ticket, e.g. `transition HC-7F3K9Q resolved --resolution exchange`.
    Transition {
        id: String,
        to: String,
        #[arg(long)]
        resolution: Option<String>,
        /// Shown to the shopper (required for needs_info).
        #[arg(long)]
        message: Option<String>,
    },
    /// Write to the shopper, or `--internal` for a note only agents see.
    Message {
        id: String,
        body: String,
        #[arg(long)]
        internal: bool,
    },
}

/// `admin tickets …` on `site`: what it found on standard output, JSON for one ticket.
pub(super) async fn run(
    state: &AppState,
    site: &Site,
    command: TicketCommand,
) -> Result<(), String> {
    let printed = match command {
        TicketCommand::List {
            status,
            order_number,
            limit,
        } => {
            let status = match status
                .as_deref()
                .map(|s| helpcenter_core::TicketStatus::parse(s).ok_or(s))
            {
                Some(Err(s)) => return Err(format!("unknown status {s:?}")),
                Some(Ok(s)) => Some(s),
                None => None,
            };
            let query = admin::ListQuery {
                status,
                order_number,
                customer_id: None,
                limit: Some(limit),
            };
            admin::list_tickets(state, site, query)
                .await
                .map(|tickets| {
                    for t in &tickets {
                        println!(
                            "{}  {:<10}  {:<20}  {:<22}  {}",
                            t.id, t.status, t.category, t.outcome, t.updated_at
                        );
                    }
                    println!("{} ticket(s)", tickets.len());
                })
        }
        TicketCommand::Show { id } => admin::show_ticket(state, site, &id).await.map(print_json),
        TicketCommand::Transition {
            id,
            to,
            resolution,
            message,
        } => {
            let change =
                serde_json::json!({ "to": to, "resolution": resolution, "message": message });
            let change = serde_json::from_value::<helpcenter_api::Transition>(change)
                .map_err(|e| e.to_string())?;
            admin::transition_ticket(state, site, &id, change)
                .await
                .map(print_json)
        }
        TicketCommand::Message { id, body, internal } => {
            let message = helpcenter_api::AgentMessage { body, internal };
            admin::add_message(state, site, &id, message)
                .await
                .map(print_json)
        }
    };
    printed.map_err(with_code)
}
