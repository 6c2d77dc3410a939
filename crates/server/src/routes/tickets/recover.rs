//! A ticket found again without its token, by its id, order number and email.

use axum::Json;
use axum::extract::State;
use helpcenter_api::{ProblemDetails, RecoverTicket, TicketCreated};
use helpcenter_core::limits;

use super::site;
use crate::auth;
use crate::routes::extract::{JsonBody, PathParams};
use crate::shopper_actions::hand_over;
use crate::{AppError, AppState};

/// Recover a ticket without its token
///
/// Finds a ticket again by its id, order number and email, and gives a new access token.
#[utoipa::path(
    post,
    path = "/v1/sites/{site}/tickets/recover",
    operation_id = "recover_ticket",
    tag = "tickets",
    params(
        ("site" = String, Path, description = "The site's key, e.g. `demo`."),
    ),
    request_body(content = RecoverTicket, description = "Ticket id, order number and email, as on the ticket (case and a leading `#` do not matter)."),
    responses(
        (status = 200, description = "Found: the ticket and a new access token.", body = TicketCreated),
        (status = 404, description = "`site.not_found`; `ticket.not_found`: no ticket of this site matches all three.", body = ProblemDetails, content_type = "application/problem+json"),
        crate::openapi::responses::RateLimited,
        crate::openapi::responses::Internal,
    ),
)]
pub async fn recover(
    State(state): State<AppState>,
    PathParams(site_key): PathParams<String>,
    JsonBody(request): JsonBody<RecoverTicket>,
) -> Result<Json<TicketCreated>, AppError> {
    let site = site(&state, &site_key)?;
    let id = request.ticket_id.trim().to_ascii_uppercase();
    let not_found = || AppError::TicketNotFound(id.clone());
    if id.len() > limits::MAX_TICKET_ID_BYTES {
        return Err(not_found());
    }
    let ticket = state.store.ticket(&id).await?.ok_or_else(not_found)?;
    let order_number = site.policy.order_number.normalize(&request.order_number);
    let same = ticket.site == site.key
        && auth::constant_time_eq(&ticket.order_number, &order_number)
        && auth::constant_time_eq(
            &ticket.email.to_lowercase(),
            &request.email.trim().to_lowercase(),
        );
    if !same {
        return Err(not_found());
    }
    Ok(Json(hand_over(&state, ticket).await?))
}
