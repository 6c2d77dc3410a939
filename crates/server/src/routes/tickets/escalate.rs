//! `POST /v1/tickets/{id}/escalate`: the shopper disputes how the ticket is handled
//! (`shopper_actions`).

use axum::Json;
use axum::extract::State;
use helpcenter_api::{Escalation, ProblemDetails, TicketView};

use crate::routes::access::TicketAccess;
use crate::routes::extract::JsonBody;
use crate::shopper_actions;
use crate::{AppError, AppState};

/// Dispute how a ticket is handled
///
/// §IV: the shopper disputes how the ticket is handled; negotiation comes first.
#[utoipa::path(
    post,
    path = "/v1/tickets/{id}/escalate",
    operation_id = "escalate_ticket",
    tag = "tickets",
    params(
        ("id" = String, Path, description = "The ticket id, e.g. `HC-7F3K9Q`."),
    ),
    request_body(content = Escalation, description = "Why the shopper disagrees (may be empty)."),
    responses(
        (status = 200, description = "The ticket is `escalated`.", body = TicketView),
        crate::openapi::responses::TokenRequired,
        crate::openapi::responses::TicketNotFound,
        (status = 409, description = "`ticket.transition_not_allowed` (with `allowed`): the ticket cannot be escalated from its status; `ticket.changed`.", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "`submission.invalid` with the problem `{field: \"message\", code: \"message.too_long\"}`.", body = ProblemDetails, content_type = "application/problem+json"),
        crate::openapi::responses::RateLimited,
        crate::openapi::responses::Internal,
    ),
    security(("ticket_token" = [])),
)]
pub async fn escalate(
    State(state): State<AppState>,
    TicketAccess(ticket): TicketAccess,
    JsonBody(escalation): JsonBody<Escalation>,
) -> Result<Json<TicketView>, AppError> {
    Ok(Json(
        shopper_actions::escalate(&state, &ticket, &escalation).await?,
    ))
}
