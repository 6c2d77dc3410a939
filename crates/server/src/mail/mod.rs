//! Mail to shoppers (the receipt, the store's questions, messages, the decision, closing) and
//! the store's own alerts. Which mail an event causes is decided here ([`plan`]) and written to
//! the outbox in the event's own transaction; [`worker`] delivers it over SMTP ([`transport`]),
//! composing it ([`compose`]) from the ticket as it is then. Each shopper's mail carries a
//! link that opens the ticket once on any device ([`links`]).

pub mod access;
pub mod compose;
pub mod config;
pub mod links;
pub mod outbox;
pub mod signal;
pub mod transport;
pub mod worker;

use helpcenter_api::{EventActor, EventKind, MailKind};
use helpcenter_core::TicketStatus;

pub use config::{MailSettings, SiteMail, SiteMailConfig, SmtpConfig, TlsMode};

use crate::auth::ServerSecret;
use crate::sites::Site;
use crate::store::outbox::{NewLink, NewMail};
use crate::store::tickets::{NewEvent, TicketRecord};

/// What an event tells the shopper and the store, before the site's choices: internal notes
/// never mail anyone.
pub fn kinds_for(event: &NewEvent<'_>) -> Vec<MailKind> {
    if !event.public {
        return Vec::new();
    }
    match (event.kind, event.actor) {
        (EventKind::Created, _) => vec![MailKind::Receipt, MailKind::NewClaimAlert],
        (EventKind::InfoRequested, _) => vec![MailKind::InfoRequest],
        (EventKind::Message, EventActor::Agent | EventActor::System) => vec![MailKind::Message],
        (EventKind::ShopperReply, _) => vec![MailKind::ShopperReplyAlert],
        (EventKind::StatusChanged, EventActor::Shopper) => match event.status {
            TicketStatus::Escalated => vec![MailKind::DisputeAlert],
            _ => Vec::new(),
        },
        (EventKind::StatusChanged, _) => match event.status {
            TicketStatus::Resolved => vec![MailKind::Decision],
            TicketStatus::Closed => vec![MailKind::Closed],
            // Any other move the agent explains to the shopper is a message from the store.
            _ if event.message.is_some() => vec![MailKind::Message],
            _ => Vec::new(),
        },
        (EventKind::Message | EventKind::InternalNote, _) => Vec::new(),
    }
}

/// The mails event `seq` of `ticket` causes on its site, ready to be written with it.
pub fn plan(
    secret: &ServerSecret,
    site: &Site,
    ticket: &TicketRecord,
    seq: u32,
    event: &NewEvent<'_>,
) -> Vec<NewMail> {
    let Some(mail) = &site.mail else {
        return Vec::new();
    };
    kinds_for(event)
        .into_iter()
        .filter(|kind| mail.sends(*kind))
        .filter_map(|kind| new_mail(secret, site, mail, ticket, Some(seq), kind))
        .collect()
}

/// One mail of `kind` about `ticket`; `None` when it has nobody to go to (an alert of a site
/// without a support address).
pub fn new_mail(
    secret: &ServerSecret,
    site: &Site,
    mail: &SiteMail,
    ticket: &TicketRecord,
    seq: Option<u32>,
    kind: MailKind,
) -> Option<NewMail> {
    let id = new_mail_id();
    let (recipient, locale) = if kind.is_alert() {
        (
            mail.support.as_ref()?.email.to_string(),
            site.policy.default_locale.clone(),
        )
    } else {
        (ticket.email.clone(), ticket.locale.clone())
    };
    let domain = mail.from.email.domain();
    let message_id = match seq {
        Some(seq) => format!("<{}.{seq}.{}@{domain}>", ticket.id, kind.as_str()),
        None => format!("<{}.{}.{id}@{domain}>", ticket.id, kind.as_str()),
    };
    let link = (!kind.is_alert()).then(|| {
        let now = jiff::Timestamp::now();
        let days = i64::from(mail.link_days);
        NewLink {
            secret_sha256: crate::auth::sha256_hex(&links::secret(secret, &id)),
            expires_at: now
                .checked_add(jiff::SignedDuration::from_hours(days * 24))
                .unwrap_or(now),
        }
    });
    Some(NewMail {
        id,
        site: site.key.clone(),
        kind,
        recipient,
        locale,
        message_id,
        link,
    })
}

/// Random, and short enough to type into `admin outbox retry`.
fn new_mail_id() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 9];
    rand::rng().fill_bytes(&mut bytes);
    format!("m-{}", hex::encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(
        kind: EventKind,
        actor: EventActor,
        status: TicketStatus,
        public: bool,
    ) -> NewEvent<'static> {
        NewEvent {
            kind,
            actor,
            status,
            resolution: None,
            message: None,
            public,
            uploads: &[],
            at: jiff::Timestamp::UNIX_EPOCH,
            agent: None,
        }
    }

    #[test]
    fn internal_notes_mail_nobody() {
        let note = event(
            EventKind::InternalNote,
            EventActor::Agent,
            TicketStatus::InReview,
            false,
        );
        assert!(kinds_for(&note).is_empty());
        // Even a public-looking kind, when kept internal.
        let hidden = event(
            EventKind::Message,
            EventActor::Agent,
            TicketStatus::InReview,
            false,
        );
        assert!(kinds_for(&hidden).is_empty());
    }

    #[test]
    fn each_event_mails_whom_it_concerns() {
        use EventActor::*;
        use EventKind::*;
        use TicketStatus::*;
        let cases = [
            (
                event(Created, Shopper, Submitted, true),
                vec![MailKind::Receipt, MailKind::NewClaimAlert],
            ),
            (
                event(InfoRequested, Agent, NeedsInfo, true),
                vec![MailKind::InfoRequest],
            ),
            (
                event(Message, Agent, InReview, true),
                vec![MailKind::Message],
            ),
            (
                event(ShopperReply, Shopper, InReview, true),
                vec![MailKind::ShopperReplyAlert],
            ),
            (
                event(StatusChanged, Shopper, Escalated, true),
                vec![MailKind::DisputeAlert],
            ),
            (
                event(StatusChanged, Agent, Resolved, true),
                vec![MailKind::Decision],
            ),
            (
                event(StatusChanged, Agent, Closed, true),
                vec![MailKind::Closed],
            ),
            (event(StatusChanged, Agent, InReview, true), vec![]),
        ];
        for (event, kinds) in cases {
            assert_eq!(
                kinds_for(&event),
                kinds,
                "{:?} by {:?}",
                event.kind,
                event.actor
            );
        }
        let explained = NewEvent {
            message: Some("We are looking at it now."),
            ..event(StatusChanged, Agent, InReview, true)
        };
        assert_eq!(kinds_for(&explained), vec![MailKind::Message]);
    }
}
