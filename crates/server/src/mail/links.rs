//! The link in each shopper's mail: it opens that one ticket on whatever device the mail is
//! read on, once, until it expires. Its secret is derived from the server's secret and the
//! mail's id, so the outbox keeps only its hash and the worker can still write it into the
//! mail however late it goes out.

use helpcenter_api::{MailKind, TicketCreated};

use crate::store::outbox::LinkUse;
use crate::store::tickets::TicketRecord;
use crate::{AppError, AppState};

/// The secret of the link in mail `mail_id`.
pub fn secret(state: &AppState, mail_id: &str) -> String {
    state.secret.derive(&format!("mail-link\n{mail_id}"))
}

/// Where the link points: the site's own page when it has a `ticket_url` template, else the
/// standalone ticket page of this server. The secret is in the fragment, which browsers never
/// send to a server (nor put in a Referer).
pub fn url(public_url: &str, ticket_url: Option<&str>, ticket_id: &str, secret: &str) -> String {
    match ticket_url {
        Some(template) => template
            .replace("{ticket}", ticket_id)
            .replace("{secret}", secret),
        None => format!(
            "{}/t/{ticket_id}#k={secret}",
            public_url.trim_end_matches('/')
        ),
    }
}

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
    if let Some(new) = super::new_mail(state, site, mail, &ticket, None, MailKind::Link) {
        state.store.enqueue_mails(&ticket.id, &[new]).await?;
        state.outbox.wake();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_link_is_the_sites_page_or_the_standalone_one() {
        assert_eq!(
            url("https://help.example/", None, "HC-7F3K9Q", "s3cr3t"),
            "https://help.example/t/HC-7F3K9Q#k=s3cr3t"
        );
        assert_eq!(
            url(
                "https://help.example",
                Some("https://shop.example/help?ticket={ticket}#k={secret}"),
                "HC-7F3K9Q",
                "s3cr3t"
            ),
            "https://shop.example/help?ticket=HC-7F3K9Q#k=s3cr3t"
        );
    }
}
