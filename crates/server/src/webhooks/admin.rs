//! The site's webhooks as the store's developers work them: the endpoints and their secrets
//! (by fingerprint), the delivery log, sending a delivery again and rotating a secret. The
//! admin API (`routes::webhooks`) and the CLI (`admin webhooks …`) share these.

use helpcenter_api::{
    DeliveryState, ErrorCode, RotatedSecret, WebhookDelivery, WebhookDeliveryLog, WebhookEndpoint,
    WebhookSecretInfo,
};
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;

use super::sign;
use crate::sites::Site;
use crate::store::timestamp;
use crate::store::webhooks::DeliveryFilter;
use crate::{AppError, AppState};

/// The longest overlap of a rotation, as for admin keys.
pub const MAX_OVERLAP: SignedDuration = crate::admin_keys::MAX_OVERLAP;

/// The overlap when none is asked for: a day for the receiver to move to the new secret.
pub const DEFAULT_OVERLAP: SignedDuration = SignedDuration::from_hours(24);

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default, deny_unknown_fields)]
pub struct DeliveryQuery {
    /// Only deliveries to this endpoint (its name in the config).
    pub endpoint: Option<String>,
    /// Only deliveries in this state: `pending`, `delivered` or `failed`.
    #[param(inline)]
    pub state: Option<DeliveryState>,
    /// Only deliveries about this ticket.
    pub ticket: Option<String>,
    /// At most this many (1 to 500; 50 when not given).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}

/// The site's endpoints as configured, with the secrets in use by fingerprint.
pub async fn endpoints(state: &AppState, site: &Site) -> Result<Vec<WebhookEndpoint>, AppError> {
    let now = Timestamp::now();
    let mut listed = Vec::with_capacity(site.webhooks.len());
    for endpoint in &site.webhooks {
        let secrets = state
            .store
            .webhook_secrets(&site.key, &endpoint.name, now)
            .await?
            .into_iter()
            .map(|s| WebhookSecretInfo {
                fingerprint: sign::fingerprint(&s.secret),
                created_at: timestamp(s.created_at),
                retires_at: s.retires_at.map(timestamp),
            })
            .collect();
        listed.push(WebhookEndpoint {
            name: endpoint.name.clone(),
            url: endpoint.url.to_string(),
            events: endpoint.events.clone(),
            secrets,
        });
    }
    Ok(listed)
}

/// The site's deliveries, newest first.
pub async fn deliveries(
    state: &AppState,
    site: &Site,
    query: DeliveryQuery,
) -> Result<Vec<WebhookDelivery>, AppError> {
    let filter = DeliveryFilter {
        endpoint: query.endpoint.map(|e| e.trim().to_owned()),
        state: query.state,
        ticket_id: query.ticket.map(|t| t.trim().to_ascii_uppercase()),
        limit: crate::routes::extract::page_limit(query.limit, 50, 500)?,
    };
    Ok(state
        .store
        .list_webhook_deliveries(&site.key, &filter)
        .await?)
}

/// One delivery with its body and every attempt.
pub async fn log(state: &AppState, site: &Site, id: &str) -> Result<WebhookDeliveryLog, AppError> {
    let (delivery, body) = state
        .store
        .webhook_delivery(&site.key, id.trim())
        .await?
        .ok_or(AppError::NotFound)?;
    let attempts = state.store.webhook_attempts(&delivery.id).await?;
    Ok(WebhookDeliveryLog {
        delivery,
        body,
        attempts,
    })
}

/// Puts a delivery back in line to be made now, whatever became of it (failed after the
/// receiver was fixed, or delivered but lost on the store's side). It keeps its `webhook-id`
/// and its body; its queue's order holds (it goes before the ticket's later pending ones), and
/// it gets a fresh day of retries.
pub async fn resend(state: &AppState, site: &Site, id: &str) -> Result<WebhookDelivery, AppError> {
    let delivery = state
        .store
        .resend_webhook(&site.key, id.trim(), Timestamp::now())
        .await?
        .ok_or(AppError::NotFound)?;
    state.outbox.wake();
    Ok(delivery)
}

/// Makes a new signing secret for `endpoint`; the secrets in use keep signing for `overlap`
/// (each delivery carries a signature per secret), so the receiver moves without a delivery
/// refused. The first secret of an endpoint is made the same way.
pub async fn rotate(
    state: &AppState,
    site: &Site,
    endpoint: &str,
    overlap: SignedDuration,
) -> Result<RotatedSecret, AppError> {
    let endpoint = site
        .webhooks
        .iter()
        .find(|e| e.name == endpoint.trim())
        .ok_or(AppError::NotFound)?;
    if overlap.is_negative() || overlap > MAX_OVERLAP {
        return Err(AppError::BadInput(
            ErrorCode::RequestJsonInvalid,
            "overlap_seconds: the overlap is from 0 to 2592000 seconds (30 days)".into(),
        ));
    }
    let now = Timestamp::now();
    let previous_until = now.saturating_add(overlap).unwrap_or(now);
    let secret = sign::new_secret();
    state
        .store
        .rotate_webhook_secret(&site.key, &endpoint.name, &secret, now, previous_until)
        .await?;
    // Deliveries waiting for a first secret go now.
    state.outbox.wake();
    tracing::info!(site = %site.key, endpoint = %endpoint.name, fingerprint = %sign::fingerprint(&secret), "webhooks: new signing secret");
    Ok(RotatedSecret {
        endpoint: endpoint.name.clone(),
        fingerprint: sign::fingerprint(&secret),
        secret,
        previous_until: timestamp(previous_until),
    })
}
