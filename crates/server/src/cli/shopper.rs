//! `admin shopper export | erase`: a shopper's request about their data.

use clap::Subcommand;

use super::terminal::print_json;
use crate::AppState;
use crate::sites::Site;

#[derive(Subcommand, Debug)]
pub(super) enum ShopperCommand {
    /// Print, as JSON, everything kept about the shopper who filed with this email on the
    /// site: their tickets, messages (internal notes included), files' facts and mails.
    Export {
        #[arg(long)]
        email: String,
    },
    /// Erase the shopper's personal data and evidence on the site: contact details, order
    /// numbers, descriptions, message texts, files, mails. The ticket numbers stay, with
    /// category, outcome, status and dates, for the store's books. Asks first on a terminal;
    /// elsewhere needs --yes.
    Erase {
        #[arg(long)]
        email: String,
        /// Erase without asking.
        #[arg(long)]
        yes: bool,
    },
}

/// `admin shopper export|erase`.
pub(super) async fn run(
    state: &AppState,
    site: &Site,
    command: ShopperCommand,
) -> Result<(), String> {
    use std::io::{BufRead, IsTerminal, Write};
    match command {
        ShopperCommand::Export { email } => {
            let export = crate::retention::export_shopper(state, site, &email)
                .await
                .map_err(|e| e.to_string())?;
            print_json(export);
            Ok(())
        }
        ShopperCommand::Erase { email, yes } => {
            let tickets = state
                .store
                .tickets_of_shopper(&site.key, &email)
                .await
                .map_err(|e| e.to_string())?;
            // The store's answers to order lookups are about her too (her orders' items,
            // carriers, tracking numbers), even those that filed nothing.
            let lookups = state
                .store
                .order_lookups_of_shopper(&site.key, &email)
                .await
                .map_err(|e| e.to_string())?
                .len();
            if tickets.is_empty() && lookups == 0 {
                println!("nothing kept about {} on site {:?}", email.trim(), site.key);
                return Ok(());
            }
            if !yes {
                if !std::io::stdin().is_terminal() {
                    return Err(format!(
                        "this erases {} ticket(s) of {}: pass --yes to erase without a terminal to ask on",
                        tickets.len(),
                        email.trim()
                    ));
                }
                print!(
                    "Erase the personal data and evidence of {} on site {:?} ({})? The ticket numbers stay. Type \"erase\" to go on: ",
                    email.trim(),
                    site.key,
                    tickets.join(", ")
                );
                let _ = std::io::stdout().flush();
                let mut answer = String::new();
                let _ = std::io::stdin().lock().read_line(&mut answer);
                if answer.trim() != "erase" {
                    return Err("nothing was erased".into());
                }
            }
            let now = jiff::Timestamp::now();
            for id in &tickets {
                crate::retention::erase_ticket(state, id, now)
                    .await
                    .map_err(|e| format!("{id}: {e}"))?;
            }
            let lookups = state
                .store
                .erase_order_lookups(&site.key, &email)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "erased the personal data and evidence of {} ticket(s): {}",
                tickets.len(),
                tickets.join(", ")
            );
            if lookups > 0 {
                println!("erased {lookups} answer(s) of the store's order system kept about them");
            }
            Ok(())
        }
    }
}
