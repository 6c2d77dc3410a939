//! A mail's link used: exchanged for this device's access token; and a fresh one mailed on
//! request from "Find a request".

use helpcenter_api::{MailKind, TicketCreated};

use crate::store::outbox::LinkUse;
use crate::store::tickets::TicketRecord;
use crate::{AppError, AppState};

/// The ticket and a new access token for this device, for a link's secret; the link is used
/// up. A forged, expired, used or other ticket's secret is refused alike, saying nothing of
/// any ticket.
pub async fn exchange(
    state: &AppState,
    ticket_id: &str,
    secret: &str,
) -> Result<TicketCreated, AppError> {
    if secret.len() > 128 || ticket_id.len() > helpcenter_core::limits::MAX_TICKET_ID_BYTES {
        return Err(AppError::LinkInvalid);
    }
    let token = crate::auth::new_secret();
    let now = jiff::Timestamp::now();
    let used = state
        .store
        .use_link(
            ticket_id,
            &crate::auth::sha256_hex(secret),
            &crate::auth::sha256_hex(&token),
            now,
        )
        .await?;
    if used == LinkUse::Refused {
        return Err(AppError::LinkInvalid);
    }
    let ticket = state
        .store
        .ticket(ticket_id)
        .await?
        .ok_or(AppError::LinkInvalid)?;
    let view = crate::tickets::view(state, &ticket, false).await?;
    Ok(TicketCreated {
        ticket_id: ticket.id,
        access_token: token,
        ticket: view,
    })
}

/// At most one fresh link per ticket in this long, however often it is asked for.
const FRESH_LINK_INTERVAL: jiff::SignedDuration = jiff::SignedDuration::from_mins(5);

/// Mails a fresh link to the address `ticket` was filed with, when `email` is that address.
/// Says nothing either way: the caller answers the same whatever happened here.
pub async fn send_fresh(
    state: &AppState,
    site_key: &str,
    ticket: Option<TicketRecord>,
    email: &str,
) -> Result<(), AppError> {
    let Some(ticket) = ticket else {
        return Ok(());
    };
    let Some(site) = state.sites.get(site_key) else {
        return Ok(());
    };
    let matches = ticket.site == site.key
        && crate::auth::constant_time_eq(
            &ticket.email.trim().to_lowercase(),
            &email.trim().to_lowercase(),
        );
    let Some(mail) = site
        .mail
        .as_ref()
        .filter(|m| matches && m.sends(MailKind::Link))
    else {
        return Ok(());
    };
    let now = jiff::Timestamp::now();
    if let Some(last) = state
        .store
        .last_mail_of_kind(&ticket.id, MailKind::Link)
        .await?
        && let Ok(last) = crate::store::parse_timestamp(&last)
        && now.duration_since(last) < FRESH_LINK_INTERVAL
    {
        return Ok(());
    }
    if let Some(new) = super::new_mail(&state.secret, site, mail, &ticket, None, MailKind::Link) {
        state.store.enqueue_mails(&ticket.id, &[new]).await?;
        state.outbox.wake();
    }
    Ok(())
}
