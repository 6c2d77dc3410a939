//! The agents' view of the site's mail: what is pending or failed and why, and sending again.

use axum::Json;
use axum::extract::State;
use helpcenter_api::{OutboxMail, ProblemDetails};

use super::access::AdminSite;
use crate::mail::outbox::{self, OutboxQuery};
use crate::routes::extract::{PathParams, QueryParams, page_limit};
use crate::{AppError, AppState};

/// List the site's mail
///
/// The outbox, newest first: every mail to shoppers and to the store's support address, with
/// where it stands and, for pending or failed mail, why the last attempt failed.
#[utoipa::path(
    get,
    path = "/v1/admin/outbox",
    operation_id = "admin_list_outbox",
    tag = "admin",
    params(OutboxQuery),
    responses(
        (status = 200, description = "The mail that matches.", body = [OutboxMail]),
        crate::openapi::responses::AdminKeyRequired,
        crate::openapi::responses::Internal,
    ),
    security(("admin_key" = [])),
)]
pub async fn list(
    State(state): State<AppState>,
    QueryParams(mut query): QueryParams<OutboxQuery>,
    AdminSite(site): AdminSite,
) -> Result<Json<Vec<OutboxMail>>, AppError> {
    // As the document says: 1 to 500, refused otherwise rather than quietly clamped.
    query.limit = Some(page_limit(query.limit, 50, 500)?);
    Ok(Json(outbox::list(&state, &site, query).await?))
}

/// Send a mail again
///
/// Puts the mail back in line to go out now: a failed one (after the address was corrected,
/// say) or one the shopper says never came. It keeps its Message-ID.
#[utoipa::path(
    post,
    path = "/v1/admin/outbox/{id}/retry",
    operation_id = "admin_retry_mail",
    tag = "admin",
    params(
        ("id" = String, Path, description = "The mail's id, as listed by `GET /v1/admin/outbox`."),
    ),
    responses(
        (status = 200, description = "The mail is pending again, due now.", body = OutboxMail),
        crate::openapi::responses::AdminKeyRequired,
        (status = 404, description = "`not_found`: the site has no such mail.", body = ProblemDetails, content_type = "application/problem+json"),
        crate::openapi::responses::Internal,
    ),
    security(("admin_key" = [])),
)]
pub async fn retry(
    State(state): State<AppState>,
    PathParams(id): PathParams<String>,
    AdminSite(site): AdminSite,
) -> Result<Json<OutboxMail>, AppError> {
    Ok(Json(outbox::retry(&state, &site, &id).await?))
}
