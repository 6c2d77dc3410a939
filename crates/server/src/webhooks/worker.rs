//! Delivers the webhook outbox, as one of the outboxes [`crate::outbox`] schedules: each
//! ticket's deliveries to one endpoint are a queue, made in the order they were written (a
//! store's ERP never reads "resolved" before "created"); different queues go at once, up to
//! `[server.webhooks] concurrency`. A delivery the endpoint does not take (no answer, or not
//! a 2xx) waits with exponential back-off and holds back only its own queue, for up to
//! `give_up_hours` (24). A delivery is marked delivered only once answered 2xx, so a server
//! killed mid-delivery makes it again when it is back, with the same `webhook-id` for the
//! receiver to recognise it; every instance runs this worker, and each delivery is claimed
//! by one of them before it goes.

use std::sync::Arc;
use std::time::Duration;

use helpcenter_api::DeliveryState;
use jiff::Timestamp;

use super::config::{Endpoint, WebhookSettings};
use super::http::{Outcome, Sender};
use super::sign;
use crate::AppState;
use crate::outbox::{Attempt, Outbox, RetryPolicy, Settled};
use crate::store::StoreError;
use crate::store::queues::{QueueTable, WEBHOOK_QUEUES};
use crate::store::webhooks::{AttemptRecord, DueDelivery};

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
    Ok(Some(tokio::spawn(async move {
        worker.warn_of_missing_secrets().await;
        crate::outbox::run(worker).await;
    })))
}

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

    /// One attempt at one delivery (none, with the delivery put off, while its endpoint has
    /// no secret).
    async fn attempt_delivery(
        &self,
        due: &DueDelivery,
    ) -> Result<Attempt<AttemptRecord>, StoreError> {
        let store = &self.state.store;
        let delivery = &due.delivery;
        let now = Timestamp::now();
        let endpoint: Option<&Endpoint> = self
            .state
            .sites
            .get(&due.site)
            .and_then(|site| site.webhooks.iter().find(|e| e.name == delivery.endpoint));
        let Some(endpoint) = endpoint else {
            let record = AttemptRecord {
                at: now,
                status: None,
                error: None,
                duration_ms: 0,
                response: None,
            };
            let reason = format!(
                "site {:?} has no webhook {:?} any more",
                due.site, delivery.endpoint
            );
            return Ok(Attempt::Refused(reason, record));
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
            store.hold_webhook(&delivery.id, &reason, until).await?;
            return Ok(Attempt::Recorded);
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
        let mut record = AttemptRecord {
            at: Timestamp::now(),
            status: None,
            error: None,
            duration_ms: attempt.duration_ms,
            response: None,
        };
        Ok(match attempt.outcome {
            Outcome::Delivered { status, response } => {
                record.status = Some(status);
                record.response = (!response.is_empty()).then_some(response);
                Attempt::Delivered(record)
            }
            Outcome::Refused(reason) => Attempt::Refused(reason, record),
            Outcome::Later {
                status,
                error,
                response,
            } => {
                record.status = status;
                record.response = response;
                Attempt::Later(error, record)
            }
        })
    }
}

impl Outbox for Worker {
    type Item = DueDelivery;
    type Detail = AttemptRecord;
    const NAME: &'static str = "webhooks";
    const TABLE: QueueTable = WEBHOOK_QUEUES;

    fn state(&self) -> &AppState {
        &self.state
    }

    fn concurrency(&self) -> usize {
        self.settings.concurrency()
    }

    fn retry(&self) -> RetryPolicy {
        self.settings.retry()
    }

    fn id(due: &DueDelivery) -> &str {
        &due.delivery.id
    }

    fn queue(due: &DueDelivery) -> (String, String) {
        (
            due.delivery.ticket_id.clone(),
            format!("{}\n{}", due.site, due.delivery.endpoint),
        )
    }

    fn attempts(due: &DueDelivery) -> u32 {
        due.delivery.attempts
    }

    fn retry_since(due: &DueDelivery) -> &str {
        &due.retry_since
    }

    async fn heads(
        &self,
        now: Timestamp,
        limit: u32,
    ) -> Result<(Vec<DueDelivery>, Option<Timestamp>), StoreError> {
        let heads = self.state.store.webhook_queue_heads(now, limit).await?;
        Ok((heads.due, heads.next_due))
    }

    async fn woken(&self) {
        self.state.outbox.webhooks_woken().await;
    }

    async fn attempt(&self, due: &DueDelivery) -> Result<Attempt<AttemptRecord>, crate::AppError> {
        Ok(self.attempt_delivery(due).await?)
    }

    async fn settle(
        &self,
        due: &DueDelivery,
        settled: Settled<AttemptRecord>,
    ) -> Result<(), crate::AppError> {
        let store = &self.state.store;
        let delivery = &due.delivery;
        let (state, record, next) = match settled {
            Settled::Delivered(record) => {
                tracing::info!(delivery = %delivery.id, ticket = %delivery.ticket_id, endpoint = %delivery.endpoint, r#type = delivery.event_type.as_str(), status = record.status, "webhooks: delivered");
                (DeliveryState::Delivered, record, None)
            }
            Settled::Failed { reason, mut detail } => {
                detail.error = Some(reason);
                (DeliveryState::Failed, detail, None)
            }
            Settled::Retry {
                reason,
                mut detail,
                at,
            } => {
                detail.error = Some(reason);
                (DeliveryState::Pending, detail, Some(at))
            }
        };
        store
            .record_webhook_attempt(&delivery.id, &record, state, next)
            .await?;
        Ok(())
    }
}
