//! A shopper signed in to the store (the merchant's identity token): who that is, their
//! tickets ("my requests"), and one of them opened on this device.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use helpcenter_api::{ProblemDetails, SignedIn, TicketCreated, TicketSummary};
use helpcenter_core::limits;

use super::{signed_in, site};
use crate::routes::extract::PathParams;
use crate::shopper_actions::hand_over;
use crate::store::tickets::TicketFilter;
use crate::{AppError, AppState};

/// Who the identity token signs in
///
/// The customer the store's identity token (`Authorization: Bearer`, either format) names on
/// this site, as the server checked it: the widget shows "Signed in as …" from this answer.
#[utoipa::path(
    get,
    path = "/v1/sites/{site}/identity",
    operation_id = "show_identity",
    tag = "tickets",
    params(
        ("site" = String, Path, description = "The site's key, e.g. `demo`."),
    ),
    responses(
        (status = 200, description = "The signed-in customer.", body = SignedIn),
        crate::openapi::responses::IdentityRefused,
        (status = 404, description = "`site.not_found`; `identity.not_configured`: the site signs no identity tokens.", body = ProblemDetails, content_type = "application/problem+json"),
        crate::openapi::responses::RateLimited,
        crate::openapi::responses::Internal,
    ),
    security(("identity_token" = [])),
)]
pub async fn identity(
    State(state): State<AppState>,
    PathParams(site_key): PathParams<String>,
    headers: HeaderMap,
) -> Result<Json<SignedIn>, AppError> {
    let customer = signed_in(site(&state, &site_key)?, &headers)?;
    Ok(Json(SignedIn {
        customer_id: customer.id,
        email: customer.email,
    }))
}

/// List the signed-in shopper's tickets
///
/// "My requests" for a shopper signed in to the store: the merchant's identity token, sent
/// as `Authorization: Bearer`, names the customer.
#[utoipa::path(
    get,
    path = "/v1/sites/{site}/tickets",
    operation_id = "list_my_tickets",
    tag = "tickets",
    params(
        ("site" = String, Path, description = "The site's key, e.g. `demo`."),
    ),
    responses(
        (status = 200, description = "The signed-in customer's tickets on this site, most recently updated first (at most 100).", body = [TicketSummary]),
        crate::openapi::responses::IdentityRefused,
        (status = 404, description = "`site.not_found`; `identity.not_configured`: the site signs no identity tokens.", body = ProblemDetails, content_type = "application/problem+json"),
        crate::openapi::responses::RateLimited,
        crate::openapi::responses::Internal,
    ),
    security(("identity_token" = [])),
)]
pub async fn list_mine(
    State(state): State<AppState>,
    PathParams(site_key): PathParams<String>,
    headers: HeaderMap,
) -> Result<Json<Vec<TicketSummary>>, AppError> {
    let site = site(&state, &site_key)?;
    let customer = signed_in(site, &headers)?;
    let filter = TicketFilter {
        customer_id: Some(customer.id),
        limit: 100,
        ..TicketFilter::default()
    };
    Ok(Json(state.store.list_tickets(&site.key, &filter).await?))
}

/// Open one of the signed-in shopper's tickets
///
/// From "my requests" to the ticket itself: the merchant's identity token, sent as
/// `Authorization: Bearer`, stands in for the access token the shopper may no longer have on
/// this device, and a new one is handed out.
#[utoipa::path(
    post,
    path = "/v1/sites/{site}/tickets/{id}/access",
    operation_id = "open_my_ticket",
    tag = "tickets",
    params(
        ("site" = String, Path, description = "The site's key, e.g. `demo`."),
        ("id" = String, Path, description = "The ticket id, as listed by `GET /v1/sites/{site}/tickets`."),
    ),
    responses(
        (status = 200, description = "The ticket and a new access token for it.", body = TicketCreated),
        crate::openapi::responses::IdentityRefused,
        (status = 404, description = "`site.not_found`; `identity.not_configured`: the site signs no identity tokens; `ticket.not_found`: no such ticket on this site, or it was not filed by this customer (the same answer, so ids cannot be probed).", body = ProblemDetails, content_type = "application/problem+json"),
        crate::openapi::responses::RateLimited,
        crate::openapi::responses::Internal,
    ),
    security(("identity_token" = [])),
)]
pub async fn open_mine(
    State(state): State<AppState>,
    PathParams((site_key, id)): PathParams<(String, String)>,
    headers: HeaderMap,
) -> Result<Json<TicketCreated>, AppError> {
    let site = site(&state, &site_key)?;
    let customer = signed_in(site, &headers)?;
    let not_found = || AppError::TicketNotFound(id.clone());
    if id.len() > limits::MAX_TICKET_ID_BYTES {
        return Err(not_found());
    }
    let ticket = state.store.ticket(&id).await?.ok_or_else(not_found)?;
    let filed_by_them =
        ticket.site == site.key && ticket.customer_id.as_deref() == Some(customer.id.as_str());
    if !filed_by_them {
        return Err(not_found());
    }
    Ok(Json(hand_over(&state, ticket).await?))
}
