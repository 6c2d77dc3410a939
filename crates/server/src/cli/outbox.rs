//! `admin outbox list | retry`: a site's mail to shoppers and alerts.

use clap::Subcommand;

use super::terminal::{last_error, with_code};
use crate::AppState;
use crate::sites::Site;

#[derive(Subcommand, Debug)]
pub(super) enum OutboxCommand {
    /// The site's mail, newest first.
    List {
        /// pending, sent or failed.
        #[arg(long)]
        state: Option<String>,
        #[arg(long)]
        ticket: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Put a mail back in line to be sent now (a running server sends it within seconds).
    Retry { id: String },
}

pub(super) async fn run(
    state: &AppState,
    site: &Site,
    command: OutboxCommand,
) -> Result<(), String> {
    match command {
        OutboxCommand::List {
            state: wanted,
            ticket,
            limit,
        } => {
            let wanted = match wanted.as_deref() {
                None => None,
                Some(name) => Some(helpcenter_api::MailState::parse(name).ok_or_else(|| {
                    format!("unknown mail state {name:?}: pending, sent or failed")
                })?),
            };
            let query = crate::mail::outbox::OutboxQuery {
                state: wanted,
                ticket,
                limit: Some(limit),
            };
            let mails = crate::mail::outbox::list(state, site, query)
                .await
                .map_err(with_code)?;
            for m in &mails {
                println!(
                    "{}  {:<7}  {}  {:<19}  {:<30}  attempts {}  {}{}",
                    m.id,
                    m.state.as_str(),
                    m.ticket_id,
                    m.kind.as_str(),
                    m.recipient,
                    m.attempts,
                    m.sent_at.as_deref().unwrap_or(&m.created_at),
                    last_error(m.last_error.as_deref()),
                );
            }
            println!("{} mail(s)", mails.len());
        }
        OutboxCommand::Retry { id } => {
            let mail = crate::mail::outbox::retry(state, site, &id)
                .await
                .map_err(with_code)?;
            println!(
                "{}: pending again, to {} ({})",
                mail.id,
                mail.recipient,
                mail.kind.as_str()
            );
        }
    }
    Ok(())
}
