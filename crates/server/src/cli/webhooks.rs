//! `admin webhooks …`: a site's endpoints, the delivery log, sending again, signing secrets.

use clap::Subcommand;

use super::terminal::{last_error, print_json, with_code};
use crate::AppState;
use crate::sites::Site;

#[derive(Subcommand, Debug)]
pub(super) enum WebhooksCommand {
    /// The site's endpoints with their events and signing secrets (by fingerprint).
    List,
    /// The delivery log, newest first.
    Deliveries {
        /// Only deliveries to this endpoint.
        #[arg(long)]
        endpoint: Option<String>,
        /// pending, delivered or failed.
        #[arg(long)]
        state: Option<String>,
        #[arg(long)]
        ticket: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// One delivery: its body as sent and every attempt.
    Show { id: String },
    /// Put a delivery back in line to be made now (a running server makes it within seconds).
    Resend { id: String },
    /// Make a new signing secret for an endpoint (its first one too), printed once on standard
    /// output, alone, for a script to take. The secrets in use keep signing for the overlap.
    RotateSecret {
        /// The endpoint's name in the config.
        endpoint: String,
        /// How long the secrets in use keep signing too: 24h, 90m, 2d, … up to 30d; 0s ends
        /// them now.
        #[arg(long, default_value = "24h", value_parser = crate::admin_keys::parse_overlap)]
        overlap: jiff::SignedDuration,
    },
}

/// What `admin webhooks` prints: a new secret alone on standard output, what it means on
/// standard error.
pub(super) async fn run(
    state: &AppState,
    site: &Site,
    command: WebhooksCommand,
) -> Result<(), String> {
    use crate::webhooks::admin;
    match command {
        WebhooksCommand::List => {
            let endpoints = admin::endpoints(state, site).await.map_err(with_code)?;
            for e in &endpoints {
                let events: Vec<&str> = e.events.iter().map(|t| t.as_str()).collect();
                println!("{}  {}\n    events: {}", e.name, e.url, events.join(", "));
                if e.secrets.is_empty() {
                    println!(
                        "    no signing secret yet: deliveries wait for `admin webhooks rotate-secret {}`",
                        e.name
                    );
                }
                for s in &e.secrets {
                    match &s.retires_at {
                        None => println!(
                            "    secret {}  current, since {}",
                            s.fingerprint, s.created_at
                        ),
                        Some(end) => println!("    secret {}  signing until {end}", s.fingerprint),
                    }
                }
            }
            println!("{} endpoint(s)", endpoints.len());
        }
        WebhooksCommand::Deliveries {
            endpoint,
            state: wanted,
            ticket,
            limit,
        } => {
            let wanted = match wanted.as_deref() {
                None => None,
                Some(name) => {
                    Some(helpcenter_api::DeliveryState::parse(name).ok_or_else(|| {
                        format!("unknown delivery state {name:?}: pending, delivered or failed")
                    })?)
                }
            };
            let query = admin::DeliveryQuery {
                endpoint,
                state: wanted,
                ticket,
                limit: Some(limit),
            };
            let deliveries = admin::deliveries(state, site, query)
                .await
                .map_err(with_code)?;
            for d in &deliveries {
                println!(
                    "{}  {:<9}  {}  {:<22}  {:<12}  attempts {}  {}{}",
                    d.id,
                    d.state.as_str(),
                    d.ticket_id,
                    d.event_type.as_str(),
                    d.endpoint,
                    d.attempts,
                    d.delivered_at.as_deref().unwrap_or(&d.created_at),
                    last_error(d.last_error.as_deref()),
                );
            }
            println!("{} deliveries", deliveries.len());
        }
        WebhooksCommand::Show { id } => {
            let log = admin::log(state, site, &id).await.map_err(with_code)?;
            print_json(log);
        }
        WebhooksCommand::Resend { id } => {
            let d = admin::resend(state, site, &id).await.map_err(with_code)?;
            println!(
                "{}: pending again, {} of {} to {}",
                d.id,
                d.event_type.as_str(),
                d.ticket_id,
                d.endpoint
            );
        }
        WebhooksCommand::RotateSecret { endpoint, overlap } => {
            let rotated = admin::rotate(state, site, &endpoint, overlap)
                .await
                .map_err(with_code)?;
            println!("{}", rotated.secret);
            eprintln!(
                "New signing secret for webhook {:?} of site {:?} above (fingerprint {}), shown \
                 this once: give it to the receiver (a Standard Webhooks library takes it as it is).",
                rotated.endpoint, site.key, rotated.fingerprint
            );
            eprintln!(
                "Deliveries are also signed with the secrets used until now until {}.",
                rotated.previous_until
            );
        }
    }
    Ok(())
}
