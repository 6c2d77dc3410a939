//! `POST /v1/tickets/{id}/replies`: the shopper writes to the store (`shopper_actions`).

use axum::Json;
use axum::extract::State;
use helpcenter_api::{ProblemDetails, Reply, TicketView};

use super::site;
use crate::routes::access::TicketAccess;
use crate::routes::extract::JsonBody;
use crate::shopper_actions;
use crate::{AppError, AppState};

/// Write to the store
///
/// The shopper writes to the store while the ticket is open, with text, more evidence or
/// both: an answer to a request for information sends the ticket back to review; at any other
/// open status it stays where it is, the message added to the timeline for the store.
#[utoipa::path(
    post,
    path = "/v1/tickets/{id}/replies",
    operation_id = "reply_to_ticket",
    tag = "tickets",
    params(
        ("id" = String, Path, description = "The ticket id, e.g. `HC-7F3K9Q`."),
    ),
    request_body(content = Reply, description = "A message, more evidence (finished upload ids), or both."),
    responses(
        (status = 200, description = "The reply is on the timeline; a ticket that was `needs_info` is back `in_review`, any other keeps its status.", body = TicketView),
        crate::openapi::responses::TokenRequired,
        crate::openapi::responses::TicketNotFound,
        (status = 409, description = "`ticket.transition_not_allowed`: the ticket is closed; `ticket.changed`: it changed meanwhile, reload and retry.", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "`submission.invalid`, with every `problems` entry (helpcenter-core's codes): at `message`, `reply.empty` (neither a message nor a file) or `message.too_long`; at `evidence[i]`, a file that is not a finished upload of this site, is attached elsewhere or breaks the outcome's evidence rules; at `evidence`, too many files or too many bytes.", body = ProblemDetails, content_type = "application/problem+json"),
        crate::openapi::responses::RateLimited,
        crate::openapi::responses::Internal,
    ),
    security(("ticket_token" = [])),
)]
pub async fn reply(
    State(state): State<AppState>,
    TicketAccess(ticket): TicketAccess,
    JsonBody(reply): JsonBody<Reply>,
) -> Result<Json<TicketView>, AppError> {
    let site = site(&state, &ticket.site)?;
    Ok(Json(
        shopper_actions::reply(&state, site, &ticket, &reply).await?,
    ))
}
