//! Reading a ticket and downloading its files, for the holder of its access token.

use axum::Json;
use axum::extract::State;
use helpcenter_api::{ProblemDetails, TicketView};

use crate::routes::access::TicketAccess;
use crate::routes::extract::PathParams;
use crate::tickets::{EvidenceDownload, view};
use crate::{AppError, AppState};

/// Read a ticket
///
/// Status, outcome, resolution, timeline (no internal notes), evidence, and what the shopper
/// can do next.
#[utoipa::path(
    get,
    path = "/v1/tickets/{id}",
    operation_id = "show_ticket",
    tag = "tickets",
    params(
        ("id" = String, Path, description = "The ticket id, e.g. `HC-7F3K9Q`."),
    ),
    responses(
        (status = 200, description = "The ticket as its shopper sees it.", body = TicketView),
        crate::openapi::responses::TokenRequired,
        crate::openapi::responses::TicketNotFound,
        crate::openapi::responses::RateLimited,
        crate::openapi::responses::Internal,
    ),
    security(("ticket_token" = [])),
)]
pub async fn show(
    State(state): State<AppState>,
    TicketAccess(ticket): TicketAccess,
) -> Result<Json<TicketView>, AppError> {
    Ok(Json(view(&state, &ticket, false).await?))
}

/// Download a file of the ticket
///
/// A file of the ticket, for its holder: never rendered by the browser, always downloaded.
#[utoipa::path(
    get,
    path = "/v1/tickets/{id}/evidence/{upload}",
    operation_id = "download_evidence",
    tag = "tickets",
    params(
        ("id" = String, Path, description = "The ticket id, e.g. `HC-7F3K9Q`."),
        ("upload" = String, Path, description = "The upload id, as listed in the ticket's `evidence`."),
    ),
    responses(
        (status = 200, description = "The file, always as an attachment and never sniffed by the browser.",
            content(("image/jpeg"), ("image/png"), ("image/webp"), ("image/heic"), ("video/mp4"), ("video/quicktime"), ("video/webm")),
            headers(
                ("Content-Disposition" = String, description = "`attachment; filename=\"…\"`"),
                ("X-Content-Type-Options" = String, description = "`nosniff`"),
                ("Cache-Control" = String, description = "`private, no-store`"),
                ("Content-Length" = u64, description = "The file's size in bytes."),
            )
        ),
        crate::openapi::responses::TokenRequired,
        (status = 404, description = "`ticket.not_found`; `not_found`: the ticket has no such file.", body = ProblemDetails, content_type = "application/problem+json"),
        crate::openapi::responses::RateLimited,
        crate::openapi::responses::Internal,
    ),
    security(("ticket_token" = [])),
)]
pub async fn evidence(
    State(state): State<AppState>,
    TicketAccess(ticket): TicketAccess,
    PathParams((_id, upload)): PathParams<(String, String)>,
) -> Result<EvidenceDownload, AppError> {
    crate::tickets::evidence(&state, &ticket, &upload).await
}
