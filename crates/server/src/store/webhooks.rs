//! SQL for webhooks: the outbox of deliveries (the same design as the mail outbox: written in
//! the event's transaction, queues per ticket and endpoint), the delivery log and the
//! endpoints' signing secrets.

use helpcenter_api::{DeliveryAttempt, DeliveryState, WebhookDelivery, WebhookEventType};
use sqlx::Row;

use super::queues::WEBHOOK_QUEUES;
use super::writes::Writes;
use super::{Store, StoreError, microseconds_apart, parse_timestamp, timestamp};

/// A delivery to write with the event that causes it.
#[derive(Clone, Debug)]
pub struct NewWebhook {
    pub id: String,
    pub site: String,
    pub endpoint: String,
    pub event_type: WebhookEventType,
    /// The payload, serialised once: every attempt sends (and signs) these bytes.
    pub body: String,
}

/// Filters for the delivery log.
#[derive(Clone, Debug, Default)]
pub struct DeliveryFilter {
    pub endpoint: Option<String>,
    pub state: Option<DeliveryState>,
    pub ticket_id: Option<String>,
    pub limit: u32,
}

/// A delivery whose time has come, as the worker needs it.
#[derive(Debug)]
pub struct DueDelivery {
    pub delivery: WebhookDelivery,
    pub site: String,
    pub body: String,
    /// Retries are given up a while after this: when it was written, or sent again by hand.
    pub retry_since: String,
}

/// The webhook outbox's queues as the worker sees them.
#[derive(Debug, Default)]
pub struct WebhookHeads {
    /// Heads whose time has come, the longest-waiting first.
    pub due: Vec<DueDelivery>,
    /// When the first head still in back-off is due, if one was read.
    pub next_due: Option<jiff::Timestamp>,
}

/// What one attempt came to, for the log.
#[derive(Clone, Debug)]
pub struct AttemptRecord {
    pub at: jiff::Timestamp,
    pub status: Option<u16>,
    pub error: Option<String>,
    pub duration_ms: u64,
    pub response: Option<String>,
}

/// A signing secret of an endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretRecord {
    pub secret: String,
    pub created_at: jiff::Timestamp,
    /// Used until then; `None` for the current secret.
    pub retires_at: Option<jiff::Timestamp>,
}

const COLUMNS: &str = "id, endpoint, ticket_id, event_seq, event_type, state, attempts, \
                       next_attempt_at, last_error, last_status, created_at, delivered_at";

fn delivery_of(row: &sqlx::any::AnyRow) -> Result<WebhookDelivery, StoreError> {
    let event_type: String = row.try_get("event_type")?;
    let state: String = row.try_get("state")?;
    let corrupt =
        |what: &str, value: &str| StoreError::Corrupt(format!("webhook {what} {value:?}"));
    let seq: i64 = row.try_get("event_seq")?;
    Ok(WebhookDelivery {
        id: row.try_get("id")?,
        endpoint: row.try_get("endpoint")?,
        ticket_id: row.try_get("ticket_id")?,
        event_seq: u32::try_from(seq).map_err(|_| corrupt("event", &seq.to_string()))?,
        event_type: WebhookEventType::parse(&event_type)
            .ok_or_else(|| corrupt("event type", &event_type))?,
        state: DeliveryState::parse(&state).ok_or_else(|| corrupt("state", &state))?,
        attempts: u32::try_from(row.try_get::<i64, _>("attempts")?).unwrap_or(u32::MAX),
        next_attempt_at: row.try_get("next_attempt_at")?,
        last_error: row.try_get("last_error")?,
        last_status: row
            .try_get::<Option<i64>, _>("last_status")?
            .and_then(|s| u16::try_from(s).ok()),
        created_at: row.try_get("created_at")?,
        delivered_at: row.try_get("delivered_at")?,
    })
}

/// The deliveries of `webhooks` about event `seq` of `ticket_id`, in one statement. Their time
/// is taken here: a new ticket's just before its transaction (`store::group`), a later
/// event's under the writer.
pub(crate) fn webhook_writes<'q>(
    writes: &mut Writes<'q>,
    ticket_id: &'q str,
    seq: u32,
    webhooks: &'q [NewWebhook],
) {
    writes.push_rows(
        "INSERT INTO webhook_outbox (id, site, endpoint, ticket_id, event_seq, event_type, body, \
         state, attempts, next_attempt_at, last_error, last_status, created_at, retry_since, delivered_at) \
         VALUES ",
        "($1, $2, $3, $4, $5, $6, $7, 'pending', 0, $8, NULL, NULL, $8, $8, NULL)",
        webhooks
            .iter()
            .zip(microseconds_apart(webhooks.len()))
            .map(|(hook, at)| {
                vec![
                    hook.id.as_str().into(),
                    hook.site.as_str().into(),
                    hook.endpoint.as_str().into(),
                    ticket_id.into(),
                    i64::from(seq).into(),
                    hook.event_type.as_str().into(),
                    hook.body.as_str().into(),
                    at.into(),
                ]
            }),
    );
}

impl Store {
    /// The delivery each queue would make next, the longest-waiting first: a queue is one
    /// ticket's deliveries to one endpoint, made in the order they were written, so only its
    /// oldest pending delivery (its head) may go, and a head in back-off (or being made by a
    /// worker) holds only its own queue. At most `limit` heads, those due by `now` first.
    pub async fn webhook_queue_heads(
        &self,
        now: jiff::Timestamp,
        limit: u32,
    ) -> Result<WebhookHeads, StoreError> {
        let rows = self
            .queue_heads(
                WEBHOOK_QUEUES,
                &format!("{COLUMNS}, site, body, retry_since"),
                now,
                limit,
            )
            .await?;
        let mut heads = WebhookHeads {
            due: Vec::with_capacity(rows.due.len()),
            next_due: rows.next_due,
        };
        for row in &rows.due {
            heads.due.push(DueDelivery {
                delivery: delivery_of(row)?,
                site: row.try_get("site")?,
                body: row.try_get("body")?,
                retry_since: row.try_get("retry_since")?,
            });
        }
        Ok(heads)
    }

    /// A delivery of `site`, with its body.
    pub async fn webhook_delivery(
        &self,
        site: &str,
        id: &str,
    ) -> Result<Option<(WebhookDelivery, String)>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS}, body FROM webhook_outbox WHERE id = $1 AND site = $2"
        ))
        .bind(id)
        .bind(site)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| Ok((delivery_of(&r)?, r.try_get("body")?)))
            .transpose()
    }

    /// Records an attempt and where the delivery stands after it: `state` with, while still
    /// pending, when it is tried next.
    pub async fn record_webhook_attempt(
        &self,
        id: &str,
        attempt: &AttemptRecord,
        state: DeliveryState,
        next: Option<jiff::Timestamp>,
    ) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await?;
        let number: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(attempt), 0) + 1 FROM webhook_attempts WHERE delivery_id = $1",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        let at = timestamp(attempt.at);
        sqlx::query(
            "INSERT INTO webhook_attempts (delivery_id, attempt, at, status, error, duration_ms, response) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(number)
        .bind(&at)
        .bind(attempt.status.map(i64::from))
        .bind(&attempt.error)
        .bind(i64::try_from(attempt.duration_ms).unwrap_or(i64::MAX))
        .bind(&attempt.response)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE webhook_outbox SET state = $1, attempts = attempts + 1, last_error = $2, \
             last_status = $3, next_attempt_at = COALESCE($4, next_attempt_at), \
             delivered_at = CASE WHEN $5 = 'delivered' THEN $6 ELSE delivered_at END, \
             claimed_until = NULL WHERE id = $7",
        )
        .bind(state.as_str())
        .bind(&attempt.error)
        .bind(attempt.status.map(i64::from))
        .bind(next.map(timestamp))
        .bind(state.as_str())
        .bind(&at)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Puts a delivery off without an attempt (its endpoint has no secret yet, or is no
    /// longer configured), saying why.
    pub async fn hold_webhook(
        &self,
        id: &str,
        reason: &str,
        until: jiff::Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE webhook_outbox SET last_error = $1, next_attempt_at = $2, claimed_until = NULL \
             WHERE id = $3",
        )
        .bind(reason)
        .bind(timestamp(until))
        .bind(id)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// Puts a delivery of `site` back in line to be sent now, whatever became of it before;
    /// `None` when the site has no such delivery.
    pub async fn resend_webhook(
        &self,
        site: &str,
        id: &str,
        at: jiff::Timestamp,
    ) -> Result<Option<WebhookDelivery>, StoreError> {
        let extra = ", retry_since = $1, delivered_at = NULL";
        if !self
            .put_back_in_line(WEBHOOK_QUEUES, site, id, at, extra)
            .await?
        {
            return Ok(None);
        }
        Ok(self.webhook_delivery(site, id).await?.map(|(d, _)| d))
    }

    /// The site's deliveries, newest first.
    pub async fn list_webhook_deliveries(
        &self,
        site: &str,
        filter: &DeliveryFilter,
    ) -> Result<Vec<WebhookDelivery>, StoreError> {
        let state = filter.state.map(DeliveryState::as_str);
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM webhook_outbox WHERE site = $1 AND ($2 IS NULL OR endpoint = $3) \
             AND ($4 IS NULL OR state = $5) AND ($6 IS NULL OR ticket_id = $7) \
             ORDER BY created_at DESC, id DESC LIMIT $8"
        ))
        .bind(site)
        .bind(&filter.endpoint)
        .bind(&filter.endpoint)
        .bind(state)
        .bind(state)
        .bind(&filter.ticket_id)
        .bind(&filter.ticket_id)
        .bind(i64::from(filter.limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(delivery_of).collect()
    }

    /// Every attempt at a delivery, first first.
    pub async fn webhook_attempts(&self, id: &str) -> Result<Vec<DeliveryAttempt>, StoreError> {
        let rows = sqlx::query(
            "SELECT attempt, at, status, error, duration_ms, response FROM webhook_attempts \
             WHERE delivery_id = $1 ORDER BY attempt",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(DeliveryAttempt {
                    attempt: u32::try_from(r.try_get::<i64, _>("attempt")?).unwrap_or(u32::MAX),
                    at: r.try_get("at")?,
                    status: r
                        .try_get::<Option<i64>, _>("status")?
                        .and_then(|s| u16::try_from(s).ok()),
                    error: r.try_get("error")?,
                    duration_ms: u64::try_from(r.try_get::<i64, _>("duration_ms")?).unwrap_or(0),
                    response: r.try_get("response")?,
                })
            })
            .collect()
    }

    /// An endpoint's secrets, newest first, those retired by `now` left out.
    pub async fn webhook_secrets(
        &self,
        site: &str,
        endpoint: &str,
        now: jiff::Timestamp,
    ) -> Result<Vec<SecretRecord>, StoreError> {
        let rows: Vec<(String, String, Option<String>)> = sqlx::query_as(
            "SELECT secret, created_at, retires_at FROM webhook_secrets \
             WHERE site = $1 AND endpoint = $2 AND (retires_at IS NULL OR retires_at > $3) \
             ORDER BY created_at DESC, secret",
        )
        .bind(site)
        .bind(endpoint)
        .bind(timestamp(now))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(secret, created_at, retires_at)| {
                Ok(SecretRecord {
                    secret,
                    created_at: parse_timestamp(&created_at)?,
                    retires_at: retires_at.as_deref().map(parse_timestamp).transpose()?,
                })
            })
            .collect()
    }

    /// In one transaction: the endpoint's secrets still used at `retire_at` are given that
    /// end, and `secret` becomes the current one. Deliveries that waited for the endpoint's
    /// first secret, never tried, get their day of retries from now.
    pub async fn rotate_webhook_secret(
        &self,
        site: &str,
        endpoint: &str,
        secret: &str,
        now: jiff::Timestamp,
        retire_at: jiff::Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await?;
        sqlx::query(
            "UPDATE webhook_secrets SET retires_at = $1 \
             WHERE site = $2 AND endpoint = $3 AND (retires_at IS NULL OR retires_at > $4)",
        )
        .bind(timestamp(retire_at))
        .bind(site)
        .bind(endpoint)
        .bind(timestamp(retire_at))
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO webhook_secrets (site, endpoint, secret, created_at, retires_at) \
             VALUES ($1, $2, $3, $4, NULL)",
        )
        .bind(site)
        .bind(endpoint)
        .bind(secret)
        .bind(timestamp(now))
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE webhook_outbox SET retry_since = $1, next_attempt_at = $2 \
             WHERE site = $3 AND endpoint = $4 AND state = 'pending' AND attempts = 0",
        )
        .bind(timestamp(now))
        .bind(timestamp(now))
        .bind(site)
        .bind(endpoint)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
