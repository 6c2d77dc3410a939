//! The shopper's order lookup: the widget asks it before the claim, to show the order, its
//! delivery day and its items.

use axum::Json;
use axum::extract::{Extension, State};
use helpcenter_api::{OrderLookup, ProblemDetails};
use helpcenter_core::StoreOrder;

use crate::client_ip::{ClientIp, bucket};
use crate::orders::OrderCheck;
use crate::routes::extract::{JsonBody, PathParams};
use crate::{AppError, AppState};

/// Look an order up
///
/// Asks the store's order system (see the README, "Order lookup") whether an order with this
/// number was placed with this email, and answers what it knows: the delivery day the claim
/// window counts from, the carrier, the items. Limited per order number and per client.
#[utoipa::path(
    post,
    path = "/v1/sites/{site}/orders/lookup",
    operation_id = "look_up_order",
    tag = "orders",
    params(
        ("site" = String, Path, description = "The site's key, e.g. `demo`."),
    ),
    request_body(content = OrderLookup, description = "The order number as the shopper typed it, and their email."),
    responses(
        (status = 200, description = "The store found the order with this email.", body = StoreOrder),
        (status = 404, description = "`order.not_found`: no order with this number and this email (one answer for both); `order.lookup_not_configured`; `site.not_found`.", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "`submission.invalid`: the order number or the email is malformed (`problems` says which).", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 503, description = "`order.lookup_unavailable`: the store's order system did not answer in time or answered something unusable. On an `optional` lookup the claim can still be filed, unverified.", body = ProblemDetails, content_type = "application/problem+json"),
        crate::openapi::responses::RateLimited,
        crate::openapi::responses::Internal,
    ),
)]
pub async fn look_up(
    State(state): State<AppState>,
    PathParams(site_key): PathParams<String>,
    client: Option<Extension<ClientIp>>,
    JsonBody(ask): JsonBody<OrderLookup>,
) -> Result<Json<StoreOrder>, AppError> {
    let site = state
        .sites
        .get(&site_key)
        .ok_or_else(|| AppError::SiteNotFound(site_key.clone()))?;
    let ip = client.map(|Extension(ClientIp(ip))| bucket(ip));
    match crate::orders::check(&state, site, &ask.order_number, &ask.email, ip).await? {
        None => Err(AppError::OrderLookupNotConfigured),
        Some(OrderCheck::Verified(order)) => Ok(Json(order)),
        // The shopper is told; an optional lookup lets them go on unchecked.
        Some(OrderCheck::Unverified(failure)) => Err(AppError::OrderLookupUnavailable(failure)),
    }
}
