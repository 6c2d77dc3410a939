//! `POST /v1/sites/{site}/tickets`: a claim filed (`ticket_filing` does the work).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use helpcenter_api::{NewTicket, ProblemDetails, TicketCreated};
use helpcenter_core::limits;

use super::site;
use crate::routes::extract::{JsonBody, PathParams};
use crate::ticket_filing::{self, Filed};
use crate::{AppError, AppState};

/// File a claim
///
/// The claim is checked again with the same rulebook as the widget (the same problem codes);
/// the uploads it names must be finished, of this site, not attached elsewhere, and satisfy the
/// evidence rules of the outcome the answers lead to.
#[utoipa::path(
    post,
    path = "/v1/sites/{site}/tickets",
    operation_id = "create_ticket",
    tag = "tickets",
    params(
        ("site" = String, Path, description = "The site's key, e.g. `demo`."),
        ("Idempotency-Key" = String, Header, min_length = 1, max_length = 128, description = "Required: 1 to 128 visible characters, new for each claim. A retry with the same key and body answers with the same ticket and token (200); the same key with a different body is a 422 (`idempotency.key_reused`)."),
    ),
    request_body(content = NewTicket, description = "The claim as entered, with the ids of its finished uploads."),
    responses(
        (status = 201, description = "Filed. Keep `access_token`: it is the way back to the ticket.", body = TicketCreated),
        (status = 200, description = "A retry of a create already answered (same Idempotency-Key and body): the same ticket and token.", body = TicketCreated),
        (status = 400, description = "`idempotency.key_missing`: no usable Idempotency-Key header.", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 401, description = "`identity.malformed`, `identity.bad_signature`, `identity.expired`, `identity.lifetime_too_long`: the body's `identity_token` was refused.", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "`site.not_found`; `identity.not_configured` when the body has an `identity_token` but the site signs none; `order.not_found` when the site looks orders up and the store has no order with this number and this email.", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "`submission.invalid`, with every `problems` entry (helpcenter-core's codes, `items[N]` for the claimed items of a checked order); `idempotency.key_reused`.", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 503, description = "`order.lookup_unavailable`: the site requires a checked order and the store's order system did not answer in time, or answered something unusable; nothing was filed.", body = ProblemDetails, content_type = "application/problem+json"),
        crate::openapi::responses::RateLimited,
        crate::openapi::responses::Internal,
        crate::openapi::responses::StorageFull,
    ),
)]
pub async fn create(
    State(state): State<AppState>,
    PathParams(site_key): PathParams<String>,
    headers: HeaderMap,
    client: Option<axum::extract::Extension<crate::client_ip::ClientIp>>,
    JsonBody(new): JsonBody<NewTicket>,
) -> Result<(StatusCode, Json<TicketCreated>), AppError> {
    let site = site(&state, &site_key)?;
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| (1..=limits::MAX_IDEMPOTENCY_KEY_BYTES).contains(&k.len()))
        .ok_or(AppError::IdempotencyKeyMissing)?
        .to_owned();
    let ip = client.map(|axum::extract::Extension(crate::client_ip::ClientIp(ip))| {
        crate::client_ip::bucket(ip)
    });
    Ok(
        match ticket_filing::file(&state, site, &key, &new, ip).await? {
            Filed::New(created) => (StatusCode::CREATED, Json(created)),
            Filed::Again(created) => (StatusCode::OK, Json(created)),
        },
    )
}
