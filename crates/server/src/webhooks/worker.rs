//! Delivers the webhook outbox. Each ticket's deliveries to one endpoint are a queue, made in
//! the order they were written (a store's ERP never reads "resolved" before "created");
//! different queues go at once, up to `[server.webhooks] concurrency`. A delivery the
//! endpoint does not take (no answer, or not a 2xx) waits with exponential back-off and holds
//! back only its own queue, for up to `give_up_hours` (24). A delivery is marked delivered
//! only once answered 2xx, so a server killed mid-delivery makes it again when it is back,
//! with the same `webhook-id` for the receiver to recognise it.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use helpcenter_api::DeliveryState;
use tokio::task::JoinSet;

use super::config::{Endpoint, WebhookSettings};
use super::http::{Outcome, Sender};
use super::sign;
use crate::AppState;
use crate::store::StoreError;
use crate::store::webhooks::{AttemptRecord, DueDelivery};

/// The longest the worker sleeps without looking at the outbox: a delivery re-sent or a
/// secret made by the CLI from another process is seen within this.
const POLL: Duration = Duration::from_secs(5);

/// How long a delivery whose endpoint has no secret yet waits before it is looked at again
/// (a secret made by this process wakes the worker at once).
const NO_SECRET_WAIT: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("webhooks: cannot build the HTTP client: {0}")]
    Client(#[from] reqwest::Error),
    #[error("site {site:?}, webhook {endpoint:?}: {reason}")]
    Target {
        site: String,
        endpoint: String,
        reason: String,
    },
}

/// Starts delivering when some site has endpoints; refuses to start when an endpoint's
/// address is one webhooks may not use (plain http or a private address literal without
/// `allow_private_targets`), so the mistake is seen at once rather than in the log a day on.
pub fn spawn(
    state: AppState,
    settings: WebhookSettings,
) -> Result<Option<tokio::task::JoinHandle<()>>, StartError> {
    let sender = Sender::new(&settings)?;
    let mut endpoints = 0;
    for site in state.sites.iter() {
        for endpoint in &site.webhooks {
            sender
                .check_target(&endpoint.url)
                .map_err(|reason| StartError::Target {
                    site: site.key.clone(),
                    endpoint: endpoint.name.clone(),
                    reason,
                })?;
            endpoints += 1;
        }
    }
    if endpoints == 0 {
        return Ok(None);
    }
    tracing::info!(
        endpoints,
        concurrency = settings.concurrency(),
        allow_private_targets = settings.allow_private_targets,
        "webhooks: delivering"
    );
    let worker = Worker {
        state,
        settings: Arc::new(settings),
        sender,
    };
    Ok(Some(tokio::spawn(worker.run())))
}

/// One ticket's deliveries to one endpoint: made in order, one at a time.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Queue {
    ticket_id: String,
    endpoint: String,
}

impl Queue {
    fn of(due: &DueDelivery) -> Queue {
        Queue {
            ticket_id: due.delivery.ticket_id.clone(),
            endpoint: due.delivery.endpoint.clone(),
        }
    }
}

#[derive(Clone)]
struct Worker {
    state: AppState,
    settings: Arc<WebhookSettings>,
    sender: Sender,
}

impl Worker {
    /// Says once, at start, which endpoints cannot be delivered to yet for want of a secret.
    async fn warn_of_missing_secrets(&self) {
        let now = jiff::Timestamp::now();
        for site in self.state.sites.iter() {
            for endpoint in &site.webhooks {
                match self
                    .state
                    .store
                    .webhook_secrets(&site.key, &endpoint.name, now)
                    .await
                {
                    Ok(secrets) if secrets.is_empty() => tracing::warn!(
                        site = %site.key,
                        endpoint = %endpoint.name,
                        "webhooks: no signing secret yet, so deliveries wait: make one with `helpcenter-server admin webhooks rotate-secret {}`",
                        endpoint.name
                    ),
                    Ok(_) => {}
                    Err(e) => {
                        tracing::error!(error = %e, "webhooks: cannot read the signing secrets")
                    }
                }
            }
        }
    }

    async fn run(self) {
        self.warn_of_missing_secrets().await;
        let shutdown = self.state.shutdown.clone();
        let slots = self.settings.concurrency();
        let mut deliveries = JoinSet::new();
        let mut busy: HashMap<tokio::task::Id, Queue> = HashMap::new();
        let mut ready: Vec<DueDelivery> = Vec::new();
        let mut wait = POLL;
        while !shutdown.is_cancelled() {
            if deliveries.len() < slots && ready.is_empty() {
                let limit = u32::try_from(slots * 8 + busy.len()).unwrap_or(u32::MAX);
                let now = jiff::Timestamp::now();
                match self.state.store.webhook_queue_heads(now, limit).await {
                    Err(e) => {
                        tracing::error!(error = %e, "webhooks: cannot read the outbox");
                        wait = POLL;
                    }
                    Ok(heads) => {
                        wait = heads.next_due.map_or(POLL, |at| {
                            Duration::try_from(at.duration_since(now))
                                .unwrap_or_default()
                                .min(POLL)
                        });
                        // Oldest last, to pop; a queue under way is read again once done.
                        ready = heads
                            .due
                            .into_iter()
                            .rev()
                            .filter(|due| !busy.values().any(|q| *q == Queue::of(due)))
                            .collect();
                    }
                }
            }
            while deliveries.len() < slots
                && let Some(due) = ready.pop()
            {
                let queue = Queue::of(&due);
                if busy.values().any(|q| *q == queue) {
                    continue;
                }
                let worker = self.clone();
                let handle = deliveries.spawn(async move {
                    if let Err(e) = worker.deliver(&due).await {
                        tracing::error!(delivery = %due.delivery.id, error = %e, "webhooks: cannot record a delivery");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                });
                busy.insert(handle.id(), queue);
            }
            tokio::select! {
                () = self.state.outbox.webhooks_woken() => ready.clear(),
                () = tokio::time::sleep(wait) => ready.clear(),
                Some(done) = deliveries.join_next_with_id(), if !deliveries.is_empty() => {
                    let id = match done {
                        Ok((id, ())) => id,
                        Err(e) => {
                            tracing::error!(error = %e, "webhooks: a delivery ended abnormally");
                            e.id()
                        }
                    };
                    busy.remove(&id);
                }
                () = shutdown.cancelled() => {}
            }
        }
        // Deliveries under way are dropped: they stay pending and are made after a restart.
    }

    /// One attempt at one delivery, and what it leaves in the outbox and the log.
    async fn deliver(&self, due: &DueDelivery) -> Result<(), StoreError> {
        let store = &self.state.store;
        let delivery = &due.delivery;
        let now = jiff::Timestamp::now();
        let endpoint: Option<&Endpoint> = self
            .state
            .sites
            .get(&due.site)
            .and_then(|site| site.webhooks.iter().find(|e| e.name == delivery.endpoint));
        let Some(endpoint) = endpoint else {
            let record = AttemptRecord {
                at: now,
                status: None,
                error: Some(format!(
                    "site {:?} has no webhook {:?} any more",
                    due.site, delivery.endpoint
                )),
                duration_ms: 0,
                response: None,
            };
            return store
                .record_webhook_attempt(&delivery.id, &record, DeliveryState::Failed, None)
                .await;
        };
        let keys: Vec<Vec<u8>> = store
            .webhook_secrets(&due.site, &endpoint.name, now)
            .await?
            .iter()
            .filter_map(|s| sign::key(&s.secret))
            .collect();
        if keys.is_empty() {
            let reason = format!(
                "webhook {:?} has no signing secret yet: make one with `helpcenter-server admin webhooks rotate-secret {}` (or POST /v1/admin/webhooks/{}/rotate-secret) and give it to the receiver",
                endpoint.name, endpoint.name, endpoint.name
            );
            tracing::debug!(site = %due.site, endpoint = %endpoint.name, delivery = %delivery.id, "webhooks: no signing secret yet, the delivery waits");
            let until = now
                .checked_add(jiff::SignedDuration::try_from(NO_SECRET_WAIT).unwrap_or_default())
                .unwrap_or(now);
            return store.hold_webhook(&delivery.id, &reason, until).await;
        }
        let timestamp = now.as_second();
        let signature = sign::header(&keys, &delivery.id, timestamp, &due.body);
        let attempt = self
            .sender
            .post(
                &endpoint.url,
                &delivery.id,
                timestamp,
                &signature,
                &due.body,
            )
            .await;
        let at = jiff::Timestamp::now();
        let mut record = AttemptRecord {
            at,
            status: None,
            error: None,
            duration_ms: attempt.duration_ms,
            response: None,
        };
        match attempt.outcome {
            Outcome::Delivered { status, response } => {
                record.status = Some(status);
                record.response = (!response.is_empty()).then_some(response);
                store
                    .record_webhook_attempt(&delivery.id, &record, DeliveryState::Delivered, None)
                    .await?;
                tracing::info!(delivery = %delivery.id, ticket = %delivery.ticket_id, endpoint = %endpoint.name, r#type = delivery.event_type.as_str(), status, "webhooks: delivered");
            }
            Outcome::Refused(reason) => {
                tracing::warn!(delivery = %delivery.id, endpoint = %endpoint.name, %reason, "webhooks: refused");
                record.error = Some(reason);
                store
                    .record_webhook_attempt(&delivery.id, &record, DeliveryState::Failed, None)
                    .await?;
            }
            Outcome::Later {
                status,
                error,
                response,
            } => {
                record.status = status;
                record.response = response;
                let since = due.retry_since.parse::<jiff::Timestamp>().unwrap_or(at);
                let waited = Duration::try_from(at.duration_since(since)).unwrap_or_default();
                if waited > self.settings.give_up_after() {
                    record.error = Some(format!(
                        "given up after {} attempts: {error}",
                        delivery.attempts + 1
                    ));
                    tracing::warn!(delivery = %delivery.id, endpoint = %endpoint.name, %error, "webhooks: given up");
                    store
                        .record_webhook_attempt(&delivery.id, &record, DeliveryState::Failed, None)
                        .await?;
                } else {
                    let backoff = self.settings.backoff(delivery.attempts + 1);
                    let next = at
                        .checked_add(jiff::SignedDuration::try_from(backoff).unwrap_or_default())
                        .unwrap_or(at);
                    tracing::warn!(delivery = %delivery.id, endpoint = %endpoint.name, %error, retry_in = ?backoff, "webhooks: not delivered, will retry");
                    record.error = Some(error);
                    store
                        .record_webhook_attempt(
                            &delivery.id,
                            &record,
                            DeliveryState::Pending,
                            Some(next),
                        )
                        .await?;
                }
            }
        }
        Ok(())
    }
}
