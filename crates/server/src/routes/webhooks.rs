//! The site's webhooks for the store's developers: the endpoints and their secrets (by
//! fingerprint), the delivery log, sending a delivery again and rotating a secret.

use axum::Json;
use axum::extract::State;
use helpcenter_api::{
    ProblemDetails, RotatedSecret, SecretRotation, WebhookDelivery, WebhookDeliveryLog,
    WebhookEndpoint,
};

use super::access::AdminSite;
use crate::routes::extract::{JsonBody, PathParams, QueryParams, page_limit};
use crate::webhooks::admin::{self, DeliveryQuery};
use crate::{AppError, AppState};

/// List the site's webhook endpoints
///
/// Each `[[sites.webhooks]]` of the config: its address, the events it gets, and the
/// signing secrets in use by fingerprint (two while a rotation's overlap lasts; none until the
/// first is made with `rotate-secret`, and deliveries wait until then).
#[utoipa::path(
    get,
    path = "/v1/admin/webhooks",
    operation_id = "admin_list_webhooks",
    tag = "webhooks",
    responses(
        (status = 200, description = "The site's endpoints.", body = [WebhookEndpoint]),
        crate::openapi::responses::AdminKeyRequired,
        crate::openapi::responses::Internal,
    ),
    security(("admin_key" = [])),
)]
pub async fn endpoints(
    State(state): State<AppState>,
    AdminSite(site): AdminSite,
) -> Result<Json<Vec<WebhookEndpoint>>, AppError> {
    Ok(Json(admin::endpoints(&state, &site).await?))
}

/// Make a new signing secret
///
/// A new `whsec_…` secret for the endpoint, shown in this answer only. Until `previous_until`
/// each delivery carries a signature made with the secrets used until now too, so the
/// receiver can move to the new one without refusing a delivery. An endpoint's first secret
/// is made the same way.
#[utoipa::path(
    post,
    path = "/v1/admin/webhooks/{endpoint}/rotate-secret",
    operation_id = "admin_rotate_webhook_secret",
    tag = "webhooks",
    params(
        ("endpoint" = String, Path, description = "The endpoint's `name` in the config."),
    ),
    request_body(content = SecretRotation, description = "How long the secrets in use keep signing; `{}` for a day."),
    responses(
        (status = 200, description = "The new secret, shown this once.", body = RotatedSecret),
        (status = 400, description = "`request.json_invalid`: the overlap is out of range.", body = ProblemDetails, content_type = "application/problem+json"),
        crate::openapi::responses::AdminKeyRequired,
        (status = 404, description = "`not_found`: the site has no such endpoint.", body = ProblemDetails, content_type = "application/problem+json"),
        crate::openapi::responses::Internal,
    ),
    security(("admin_key" = [])),
)]
pub async fn rotate_secret(
    State(state): State<AppState>,
    PathParams(endpoint): PathParams<String>,
    AdminSite(site): AdminSite,
    JsonBody(rotation): JsonBody<SecretRotation>,
) -> Result<Json<RotatedSecret>, AppError> {
    let overlap = match rotation.overlap_seconds {
        None => admin::DEFAULT_OVERLAP,
        Some(seconds) => i64::try_from(seconds)
            .ok()
            .map(jiff::SignedDuration::from_secs)
            .unwrap_or(jiff::SignedDuration::MAX),
    };
    Ok(Json(
        admin::rotate(&state, &site, &endpoint, overlap).await?,
    ))
}

/// List webhook deliveries
///
/// The delivery log, newest first: each event for each endpoint, where it stands, how many
/// attempts it took and, for one not delivered, what the endpoint last answered.
#[utoipa::path(
    get,
    path = "/v1/admin/webhook-deliveries",
    operation_id = "admin_list_webhook_deliveries",
    tag = "webhooks",
    params(DeliveryQuery),
    responses(
        (status = 200, description = "The deliveries that match.", body = [WebhookDelivery]),
        crate::openapi::responses::AdminKeyRequired,
        crate::openapi::responses::Internal,
    ),
    security(("admin_key" = [])),
)]
pub async fn deliveries(
    State(state): State<AppState>,
    QueryParams(mut query): QueryParams<DeliveryQuery>,
    AdminSite(site): AdminSite,
) -> Result<Json<Vec<WebhookDelivery>>, AppError> {
    query.limit = Some(page_limit(query.limit, 50, 500)?);
    Ok(Json(admin::deliveries(&state, &site, query).await?))
}

/// Read a delivery with every attempt
///
/// The body as sent, byte for byte, and each attempt: when, the HTTP status or what went
/// wrong, how long it took, and the start of the endpoint's answer.
#[utoipa::path(
    get,
    path = "/v1/admin/webhook-deliveries/{id}",
    operation_id = "admin_show_webhook_delivery",
    tag = "webhooks",
    params(
        ("id" = String, Path, description = "The delivery's id (`msg_…`, its `webhook-id`)."),
    ),
    responses(
        (status = 200, description = "The delivery and its attempts.", body = WebhookDeliveryLog),
        crate::openapi::responses::AdminKeyRequired,
        (status = 404, description = "`not_found`: the site has no such delivery.", body = ProblemDetails, content_type = "application/problem+json"),
        crate::openapi::responses::Internal,
    ),
    security(("admin_key" = [])),
)]
pub async fn delivery(
    State(state): State<AppState>,
    PathParams(id): PathParams<String>,
    AdminSite(site): AdminSite,
) -> Result<Json<WebhookDeliveryLog>, AppError> {
    Ok(Json(admin::log(&state, &site, &id).await?))
}

/// Send a delivery again
///
/// Puts it back in line to be made now, whatever became of it: one that failed once the
/// receiver is fixed, or one delivered but lost on the store's side. It keeps its
/// `webhook-id` and body, goes before the ticket's later deliveries still pending, and gets a
/// fresh day of retries.
#[utoipa::path(
    post,
    path = "/v1/admin/webhook-deliveries/{id}/resend",
    operation_id = "admin_resend_webhook_delivery",
    tag = "webhooks",
    params(
        ("id" = String, Path, description = "The delivery's id (`msg_…`)."),
    ),
    responses(
        (status = 200, description = "Pending again, due now.", body = WebhookDelivery),
        crate::openapi::responses::AdminKeyRequired,
        (status = 404, description = "`not_found`: the site has no such delivery.", body = ProblemDetails, content_type = "application/problem+json"),
        crate::openapi::responses::Internal,
    ),
    security(("admin_key" = [])),
)]
pub async fn resend(
    State(state): State<AppState>,
    PathParams(id): PathParams<String>,
    AdminSite(site): AdminSite,
) -> Result<Json<WebhookDelivery>, AppError> {
    Ok(Json(admin::resend(&state, &site, &id).await?))
}
