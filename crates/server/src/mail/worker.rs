//! Delivers the outbox. Each ticket's mail to one address is a queue, delivered in the order
//! it was written (a shopper never reads "resolved" before "received"); different queues go
//! out at once, up to `[smtp] concurrency` SMTP transactions, over pooled connections that
//! are reused from one mail to the next. A mail the SMTP server puts off (a 4xx, or the
//! server down) waits with exponential back-off, and holds back only its own queue. A mail
//! is marked sent only once accepted, so a server killed mid-delivery sends it again when it
//! is back (the Message-ID makes the copy one message to mail clients).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use helpcenter_api::{EventActor, EventKind, OutboxMail};
use tokio::task::JoinSet;

use super::compose::{Context, compose};
use super::transport::{Delivery, Transport};
use super::{MailSettings, SmtpConfig, links};
use crate::AppState;
use crate::store::tickets::NewEvent;

/// The longest the worker sleeps without looking at the outbox: mail put back in line by
/// `admin outbox retry` from another process goes out within this.
const POLL: Duration = Duration::from_secs(5);

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
    let worker = Worker {
        state,
        settings: Arc::new(settings),
        smtp: Arc::new(smtp),
        transport: Arc::new(transport),
    };
    Ok(Some(tokio::spawn(worker.run())))
}

/// One ticket's mail to one address: delivered in order, one at a time.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Queue {
    ticket_id: String,
    recipient: String,
}

impl Queue {
    fn of(mail: &OutboxMail) -> Queue {
        Queue {
            ticket_id: mail.ticket_id.clone(),
            recipient: mail.recipient.clone(),
        }
    }
}

#[derive(Clone)]
struct Worker {
    state: AppState,
    settings: Arc<MailSettings>,
    smtp: Arc<SmtpConfig>,
    transport: Arc<Transport>,
}

impl Worker {
    async fn run(self) {
        let shutdown = self.state.shutdown.clone();
        let slots = self.smtp.concurrency();
        // The deliveries under way, each holding its queue until it is done.
        let mut deliveries = JoinSet::new();
        let mut busy: HashMap<tokio::task::Id, Queue> = HashMap::new();
        // Heads read but not yet started, so a finished delivery starts the next without
        // reading the outbox again; read afresh when used up, woken, or on the clock.
        let mut ready: Vec<OutboxMail> = Vec::new();
        let mut wait = POLL;
        while !shutdown.is_cancelled() {
            if deliveries.len() < slots && ready.is_empty() {
                let limit = u32::try_from(slots * 8 + busy.len()).unwrap_or(u32::MAX);
                let now = jiff::Timestamp::now();
                match self.state.store.mail_queue_heads(now, limit).await {
                    Err(e) => {
                        tracing::error!(error = %e, "mail: cannot read the outbox");
                        wait = POLL;
                    }
                    Ok(heads) => {
                        wait = heads.next_due.map_or(POLL, |at| {
                            Duration::try_from(at.duration_since(now))
                                .unwrap_or_default()
                                .min(POLL)
                        });
                        // A head under way now is read as it was before its delivery
                        // ended: leave it, its queue is read again once it is done. Oldest
                        // last, to pop.
                        ready = heads
                            .due
                            .into_iter()
                            .rev()
                            .filter(|mail| !busy.values().any(|q| *q == Queue::of(mail)))
                            .collect();
                    }
                }
            }
            while deliveries.len() < slots
                && let Some(mail) = ready.pop()
            {
                let queue = Queue::of(&mail);
                if busy.values().any(|q| *q == queue) {
                    continue;
                }
                let worker = self.clone();
                let handle = deliveries.spawn(async move {
                    if let Err(e) = worker.deliver(&mail).await {
                        tracing::error!(mail = %mail.id, error = %e, "mail: cannot record a delivery");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                });
                busy.insert(handle.id(), queue);
            }
            tokio::select! {
                () = self.state.outbox.woken() => ready.clear(),
                () = tokio::time::sleep(wait) => ready.clear(),
                Some(done) = deliveries.join_next_with_id(), if !deliveries.is_empty() => {
                    let id = match done {
                        Ok((id, ())) => id,
                        Err(e) => {
                            tracing::error!(error = %e, "mail: a delivery ended abnormally");
                            e.id()
                        }
                    };
                    busy.remove(&id);
                }
                () = shutdown.cancelled() => {}
            }
        }
        // Deliveries still under way are dropped: their mail stays pending and goes out
        // after a restart.
    }

    async fn deliver(&self, mail: &OutboxMail) -> Result<(), crate::AppError> {
        deliver(
            &self.state,
            &self.settings,
            &self.smtp,
            &self.transport,
            mail,
        )
        .await
    }
}

/// One attempt at one mail, and what it leaves in the outbox (and on the ticket).
async fn deliver(
    state: &AppState,
    settings: &MailSettings,
    smtp: &SmtpConfig,
    transport: &Transport,
    mail: &OutboxMail,
) -> Result<(), crate::AppError> {
    let outcome = match message(state, settings, mail).await? {
        Err(reason) => Delivery::Refused(reason),
        Ok(message) => transport.send(message).await,
    };
    let now = jiff::Timestamp::now();
    match outcome {
        Delivery::Sent => {
            state.store.mail_sent(&mail.id, now).await?;
            tracing::info!(mail = %mail.id, ticket = %mail.ticket_id, kind = mail.kind.as_str(), "mail: sent");
        }
        Delivery::Refused(reason) => {
            state.store.mail_failed(&mail.id, &reason, None).await?;
            tracing::warn!(mail = %mail.id, ticket = %mail.ticket_id, %reason, "mail: refused");
            note_on_ticket(state, mail, &reason).await?;
        }
        Delivery::Later(reason) => {
            let written = mail.created_at.parse::<jiff::Timestamp>().unwrap_or(now);
            let waited = Duration::try_from(now.duration_since(written)).unwrap_or_default();
            if waited > smtp.give_up_after() {
                let reason = format!("given up after {} attempts: {reason}", mail.attempts + 1);
                state.store.mail_failed(&mail.id, &reason, None).await?;
                note_on_ticket(state, mail, &reason).await?;
            } else {
                let backoff = smtp.backoff(mail.attempts + 1);
                let next = now
                    .checked_add(jiff::SignedDuration::try_from(backoff).unwrap_or_default())
                    .unwrap_or(now);
                tracing::warn!(mail = %mail.id, %reason, retry_in = ?backoff, "mail: not delivered, will retry");
                state
                    .store
                    .mail_failed(&mail.id, &reason, Some(next))
                    .await?;
            }
        }
    }
    Ok(())
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
