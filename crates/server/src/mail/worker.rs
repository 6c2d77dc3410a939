//! Delivers the mail outbox through SMTP, as one of the outboxes [`crate::outbox`] schedules:
//! each ticket's mail to one address is a queue, delivered in the order it was written (a
//! shopper never reads "resolved" before "received"); different queues go out at once, up
//! to `[smtp] concurrency` SMTP transactions, over pooled connections reused from one mail
//! to the next. A mail the SMTP server puts off (a 4xx, or the server down) waits with
//! exponential back-off, and holds back only its own queue. A mail is marked sent only once
//! accepted, so a server killed mid-delivery sends it again when it is back (the Message-ID
//! makes the copy one message to mail clients); every instance runs this worker, and each
//! mail is claimed by one of them before it goes.

use std::sync::Arc;

use helpcenter_api::{EventActor, EventKind, OutboxMail};
use jiff::Timestamp;

use super::compose::{Context, compose};
use super::transport::{Delivery, Transport};
use super::{MailSettings, SmtpConfig, links};
use crate::AppState;
use crate::outbox::{Attempt, Outbox, RetryPolicy, Settled};
use crate::store::StoreError;
use crate::store::queues::{MAIL_QUEUES, QueueTable};
use crate::store::tickets::NewEvent;

/// Starts delivering, or says at once (one log line) that mail stays in the outbox.
pub fn spawn(
    state: AppState,
    settings: MailSettings,
) -> Result<Option<tokio::task::JoinHandle<()>>, super::transport::TransportError> {
    let Some(smtp) = settings.smtp.clone() else {
        tracing::warn!(
            "mail: no [smtp] configured; mail to shoppers is kept in the outbox (`helpcenter-server admin outbox list`)"
        );
        return Ok(None);
    };
    let transport = Transport::new(&smtp)?;
    tracing::info!(
        host = %smtp.host,
        port = smtp.port(),
        tls = ?smtp.tls,
        concurrency = smtp.concurrency(),
        "mail: delivering through SMTP"
    );
    Ok(Some(crate::outbox::spawn(MailOutbox {
        state,
        settings: Arc::new(settings),
        smtp: Arc::new(smtp),
        transport: Arc::new(transport),
    })))
}

struct MailOutbox {
    state: AppState,
    settings: Arc<MailSettings>,
    smtp: Arc<SmtpConfig>,
    transport: Arc<Transport>,
}

impl Outbox for MailOutbox {
    type Item = OutboxMail;
    type Detail = ();
    const NAME: &'static str = "mail";
    const TABLE: QueueTable = MAIL_QUEUES;

    fn state(&self) -> &AppState {
        &self.state
    }

    fn concurrency(&self) -> usize {
        self.smtp.concurrency()
    }

    fn retry(&self) -> RetryPolicy {
        self.smtp.retry()
    }

    fn id(mail: &OutboxMail) -> &str {
        &mail.id
    }

    fn queue(mail: &OutboxMail) -> (String, String) {
        (mail.ticket_id.clone(), mail.recipient.clone())
    }

    fn attempts(mail: &OutboxMail) -> u32 {
        mail.attempts
    }

    fn retry_since(mail: &OutboxMail) -> &str {
        &mail.created_at
    }

    async fn heads(
        &self,
        now: Timestamp,
        limit: u32,
    ) -> Result<(Vec<OutboxMail>, Option<Timestamp>), StoreError> {
        let heads = self.state.store.mail_queue_heads(now, limit).await?;
        Ok((heads.due, heads.next_due))
    }

    async fn woken(&self) {
        self.state.outbox.woken().await;
    }

    async fn attempt(&self, mail: &OutboxMail) -> Result<Attempt<()>, crate::AppError> {
        Ok(match message(&self.state, &self.settings, mail).await? {
            Err(reason) => Attempt::Refused(reason, ()),
            Ok(message) => match self.transport.send(message).await {
                Delivery::Sent => Attempt::Delivered(()),
                Delivery::Refused(reason) => Attempt::Refused(reason, ()),
                Delivery::Later(reason) => Attempt::Later(reason, ()),
            },
        })
    }

    async fn settle(&self, mail: &OutboxMail, settled: Settled<()>) -> Result<(), crate::AppError> {
        let store = &self.state.store;
        match settled {
            Settled::Delivered(()) => {
                store.mail_sent(&mail.id, Timestamp::now()).await?;
                tracing::info!(mail = %mail.id, ticket = %mail.ticket_id, kind = mail.kind.as_str(), "mail: sent");
            }
            Settled::Failed { reason, .. } => {
                store.mail_failed(&mail.id, &reason, None).await?;
                tracing::warn!(mail = %mail.id, ticket = %mail.ticket_id, %reason, "mail: not delivered");
                note_on_ticket(&self.state, mail, &reason).await?;
            }
            Settled::Retry { reason, at, .. } => {
                store.mail_failed(&mail.id, &reason, Some(at)).await?;
            }
        }
        Ok(())
    }
}

/// The mail as it reads now, or why it cannot be written at all.
async fn message(
    state: &AppState,
    settings: &MailSettings,
    mail: &OutboxMail,
) -> Result<Result<lettre::Message, String>, crate::AppError> {
    let Some(ticket) = state.store.ticket(&mail.ticket_id).await? else {
        return Ok(Err(format!("ticket {} no longer exists", mail.ticket_id)));
    };
    let Some(site) = state.sites.get(&ticket.site) else {
        return Ok(Err(format!("site {:?} is no longer served", ticket.site)));
    };
    let Some(site_mail) = &site.mail else {
        return Ok(Err(format!("site {:?} sends no mail any more", site.key)));
    };
    let event = match mail.event_seq {
        Some(seq) => state
            .store
            .events(&ticket.id, seq.saturating_sub(1), true)
            .await?
            .into_iter()
            .find(|e| e.seq == seq),
        None => None,
    };
    let link = (!mail.kind.is_alert()).then(|| {
        links::url(
            &settings.public_url,
            site_mail.ticket_url.as_deref(),
            &ticket.id,
            &links::secret(&state.secret, &mail.id),
            &mail.locale,
        )
    });
    let cx = Context {
        site,
        mail: site_mail,
        ticket: &ticket,
        event: event.as_ref(),
        outbox: mail,
        link,
        public_url: &settings.public_url,
    };
    // A mail that cannot be built fails alone; it never takes the worker (and all later
    // mail) down with it.
    let built = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| compose(&cx)));
    Ok(match built {
        Ok(built) => built.map_err(|e| e.to_string()),
        Err(_) => Err("the mail cannot be built (a panic while composing it)".to_owned()),
    })
}

/// An internal note for the agent: the ticket itself is unaffected.
async fn note_on_ticket(
    state: &AppState,
    mail: &OutboxMail,
    reason: &str,
) -> Result<(), crate::AppError> {
    let note = format!(
        "Mail to {} ({}) was not delivered: {reason}. The ticket is unaffected; check the address with the shopper, then send it again with `helpcenter-server admin outbox retry {}`.",
        mail.recipient,
        mail.kind.as_str(),
        mail.id
    );
    // The status may change under us: read it again and retry a few times.
    for _ in 0..5 {
        let Some(ticket) = state.store.ticket(&mail.ticket_id).await? else {
            return Ok(());
        };
        let status = ticket.status()?;
        let event = NewEvent {
            kind: EventKind::InternalNote,
            actor: EventActor::System,
            status,
            resolution: None,
            message: Some(&note),
            public: false,
            uploads: &[],
            at: jiff::Timestamp::now(),
            agent: None,
        };
        match crate::tickets::append(state, &ticket.id, status, &event).await {
            Ok(_) => return Ok(()),
            Err(crate::AppError::TicketChanged) => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
