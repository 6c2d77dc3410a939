//! The link in a shopper's mail, exchanged for this device's access token, and a fresh one
//! asked for from "Find a request".

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use helpcenter_api::{LinkExchange, LinkRequest, ProblemDetails, TicketCreated};
use helpcenter_core::limits;

use crate::mail::access as links;
use crate::routes::extract::{JsonBody, PathParams};
use crate::{AppError, AppState};

/// Open a ticket from the link in a mail
///
/// The secret after `#k=` in the link of a mail about this ticket, exchanged once for an
/// access token for this device, as recovery gives. The link is used up; the token stays.
#[utoipa::path(
    post,
    path = "/v1/tickets/{id}/link",
    operation_id = "open_ticket_link",
    tag = "tickets",
    params(
        ("id" = String, Path, description = "The ticket id in the link, e.g. `HC-7F3K9Q`."),
    ),
    request_body(content = LinkExchange, description = "The link's secret."),
    responses(
        (status = 200, description = "The ticket and a new access token for it.", body = TicketCreated),
        (status = 404, description = "`link.invalid`: the secret is forged, expired, already used or another ticket's (one answer for all, naming no ticket).", body = ProblemDetails, content_type = "application/problem+json"),
        crate::openapi::responses::RateLimited,
        crate::openapi::responses::Internal,
    ),
)]
pub async fn exchange(
    State(state): State<AppState>,
    PathParams(id): PathParams<String>,
    JsonBody(link): JsonBody<LinkExchange>,
) -> Result<Json<TicketCreated>, AppError> {
    Ok(Json(
        links::exchange(&state, &id, link.secret.trim()).await?,
    ))
}

/// Mail a fresh link to a ticket
///
/// When the address is the one the ticket was filed with, a mail with a new link to it goes
/// there (at most one every five minutes). The answer is the same whether or not it matched,
/// so the endpoint tells nobody which addresses filed which tickets.
#[utoipa::path(
    post,
    path = "/v1/sites/{site}/tickets/recover/link",
    operation_id = "send_ticket_link",
    tag = "tickets",
    params(
        ("site" = String, Path, description = "The site's key, e.g. `demo`."),
    ),
    request_body(content = LinkRequest, description = "The ticket id and the address it was filed with."),
    responses(
        (status = 202, description = "If the address is the ticket's, a link is on its way there."),
        (status = 404, description = "`site.not_found`.", body = ProblemDetails, content_type = "application/problem+json"),
        crate::openapi::responses::RateLimited,
        crate::openapi::responses::Internal,
    ),
)]
pub async fn send(
    State(state): State<AppState>,
    PathParams(site_key): PathParams<String>,
    JsonBody(request): JsonBody<LinkRequest>,
) -> Result<StatusCode, AppError> {
    let site = state
        .sites
        .get(&site_key)
        .ok_or_else(|| AppError::SiteNotFound(site_key.clone()))?;
    let id = request.ticket_id.trim().to_ascii_uppercase();
    let ticket = if id.len() > limits::MAX_TICKET_ID_BYTES {
        None
    } else {
        state.store.ticket(&id).await?
    };
    links::send_fresh(&state, &site.key, ticket, &request.email).await?;
    Ok(StatusCode::ACCEPTED)
}
