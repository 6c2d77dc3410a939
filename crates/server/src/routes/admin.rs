//! The agents' side: list and read tickets, move them through the lifecycle, ask the shopper
//! for more, write to them or leave internal notes. Authorised by the site's admin key; the
//! CLI (`helpcenter-server admin …`) calls the same operations.

use axum::Json;
use axum::extract::State;
use helpcenter_api::{
    ActedBy, AdminTicketView, AgentMessage, ProblemDetails, TicketSummary, Transition,
};
use helpcenter_core::TicketStatus;
use serde::Deserialize;

use super::access::AdminSite;
use crate::routes::extract::{JsonBody, PathParams, QueryParams};
use crate::sites::Site;
use crate::store::tickets::{TicketFilter, TicketRecord};
use crate::ticket_actions;
use crate::tickets::{EvidenceDownload, view};
use crate::{AppError, AppState};

async fn site_ticket(state: &AppState, site: &Site, id: &str) -> Result<TicketRecord, AppError> {
    state
        .store
        .ticket(id)
        .await?
        .filter(|t| t.site == site.key)
        .ok_or_else(|| AppError::TicketNotFound(id.to_owned()))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default, deny_unknown_fields)]
pub struct ListQuery {
    /// Only tickets with this status.
    pub status: Option<TicketStatus>,
    /// Only tickets of this order (normalised as the policy does: no `#`, upper case).
    pub order_number: Option<String>,
    /// Only tickets filed by this signed-in customer.
    pub customer_id: Option<String>,
    /// At most this many (1 to 500; 50 when not given).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}

pub async fn list_tickets(
    state: &AppState,
    site: &Site,
    query: ListQuery,
) -> Result<Vec<TicketSummary>, AppError> {
    let limit = crate::routes::extract::page_limit(query.limit, 50, 500)?;
    let filter = TicketFilter {
        status: query.status,
        order_number: query
            .order_number
            .map(|o| site.policy.order_number.normalize(&o)),
        customer_id: query.customer_id,
        limit,
    };
    Ok(state.store.list_tickets(&site.key, &filter).await?)
}

pub async fn show_ticket(
    state: &AppState,
    site: &Site,
    id: &str,
) -> Result<AdminTicketView, AppError> {
    let ticket = site_ticket(state, site, id).await?;
    let status = ticket.status()?;
    let acted_by = state
        .store
        .event_agents(&ticket.id)
        .await?
        .into_iter()
        .map(|(seq, agent_id, name)| ActedBy {
            seq,
            by: match (&agent_id, name) {
                (Some(_), Some(name)) => name,
                (Some(id), None) => id.clone(),
                (None, _) => crate::agents::ADMIN_KEY_ACTOR.to_owned(),
            },
            agent_id,
        })
        .collect();
    let mut shown = view(state, &ticket, true).await?;
    // The files open with the admin key here, not at the shopper's address.
    for file in &mut shown.evidence {
        file.url = format!("/v1/admin/tickets/{}/evidence/{}", ticket.id, file.id);
    }
    Ok(AdminTicketView {
        acted_by,
        ticket: shown,
        email: ticket.email,
        locale: ticket.locale,
        customer_id: ticket.customer_id,
        agent_can: status.next().to_vec(),
    })
}

/// Moves a ticket through the core state machine (asking for information from a new ticket
/// goes through review in the same step); recorded as done by the admin key.
pub async fn transition_ticket(
    state: &AppState,
    site: &Site,
    id: &str,
    change: Transition,
) -> Result<AdminTicketView, AppError> {
    let ticket = site_ticket(state, site, id).await?;
    ticket_actions::transition(state, &ticket, change, None).await?;
    show_ticket(state, site, id).await
}

/// A message to the shopper, or an internal note; the status does not change.
pub async fn add_message(
    state: &AppState,
    site: &Site,
    id: &str,
    message: AgentMessage,
) -> Result<AdminTicketView, AppError> {
    let ticket = site_ticket(state, site, id).await?;
    ticket_actions::message(state, &ticket, &message, None).await?;
    show_ticket(state, site, id).await
}

/// List the site's tickets
///
/// Most recently updated first; filters combine.
#[utoipa::path(
    get,
    path = "/v1/admin/tickets",
    operation_id = "admin_list_tickets",
    tag = "admin",
    params(
        ListQuery,
    ),
    responses(
        (status = 200, description = "The tickets that match.", body = [TicketSummary]),
        crate::openapi::responses::AdminKeyRequired,
        crate::openapi::responses::Internal,
    ),
    security(("admin_key" = [])),
)]
pub async fn list(
    State(state): State<AppState>,
    QueryParams(query): QueryParams<ListQuery>,
    AdminSite(site): AdminSite,
) -> Result<Json<Vec<TicketSummary>>, AppError> {
    Ok(Json(list_tickets(&state, &site, query).await?))
}

/// Read a ticket with everything
///
/// What the shopper sees, plus contact details, description, answers and internal notes.
#[utoipa::path(
    get,
    path = "/v1/admin/tickets/{id}",
    operation_id = "admin_show_ticket",
    tag = "admin",
    params(
        ("id" = String, Path, description = "The ticket id, e.g. `HC-7F3K9Q`."),
    ),
    responses(
        (status = 200, description = "The ticket.", body = AdminTicketView),
        crate::openapi::responses::AdminKeyRequired,
        crate::openapi::responses::SiteTicketNotFound,
        crate::openapi::responses::Internal,
    ),
    security(("admin_key" = [])),
)]
pub async fn show(
    State(state): State<AppState>,
    PathParams(id): PathParams<String>,
    AdminSite(site): AdminSite,
) -> Result<Json<AdminTicketView>, AppError> {
    Ok(Json(show_ticket(&state, &site, &id).await?))
}

/// Change a ticket's status
///
/// Through the ticket state machine; resolving needs a `resolution`, asking for information
/// (`needs_info`) needs a `message`.
#[utoipa::path(
    post,
    path = "/v1/admin/tickets/{id}/transition",
    operation_id = "admin_transition_ticket",
    tag = "admin",
    params(
        ("id" = String, Path, description = "The ticket id, e.g. `HC-7F3K9Q`."),
    ),
    request_body(content = Transition, description = "The status to move to, with a resolution and a message to the shopper where they apply."),
    responses(
        (status = 200, description = "Moved; the change is on the timeline and reached the open event streams.", body = AdminTicketView),
        (status = 400, description = "`message.required`: asking for information needs a message.", body = ProblemDetails, content_type = "application/problem+json"),
        crate::openapi::responses::AgentMessageTooLong,
        crate::openapi::responses::AdminKeyRequired,
        crate::openapi::responses::SiteTicketNotFound,
        (status = 409, description = "`ticket.transition_not_allowed` (with `allowed`, the statuses it can go to), `ticket.resolution_missing`, `ticket.resolution_unexpected`; `ticket.changed`: it changed meanwhile, reload and retry.", body = ProblemDetails, content_type = "application/problem+json"),
        crate::openapi::responses::Internal,
    ),
    security(("admin_key" = [])),
)]
pub async fn transition(
    State(state): State<AppState>,
    PathParams(id): PathParams<String>,
    AdminSite(site): AdminSite,
    JsonBody(change): JsonBody<Transition>,
) -> Result<Json<AdminTicketView>, AppError> {
    Ok(Json(transition_ticket(&state, &site, &id, change).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InfoRequest {
    /// What the shopper must send or answer; shown to them.
    pub message: String,
}

/// Ask the shopper for more information
///
/// Shorthand for a transition to `needs_info` with its message; from a new (`submitted`) or
/// disputed ticket, it is moved to review and the question asked in one step.
#[utoipa::path(
    post,
    path = "/v1/admin/tickets/{id}/request-info",
    operation_id = "admin_request_info",
    tag = "admin",
    params(
        ("id" = String, Path, description = "The ticket id, e.g. `HC-7F3K9Q`."),
    ),
    request_body(content = InfoRequest, description = "What the shopper must send or answer."),
    responses(
        (status = 200, description = "The ticket is `needs_info`; the shopper sees the message.", body = AdminTicketView),
        (status = 400, description = "`message.required`: the message is empty.", body = ProblemDetails, content_type = "application/problem+json"),
        crate::openapi::responses::AgentMessageTooLong,
        crate::openapi::responses::AdminKeyRequired,
        crate::openapi::responses::SiteTicketNotFound,
        (status = 409, description = "`ticket.transition_not_allowed` (with `allowed`, the statuses it can go to), `ticket.resolution_missing`, `ticket.resolution_unexpected`; `ticket.changed`: it changed meanwhile, reload and retry.", body = ProblemDetails, content_type = "application/problem+json"),
        crate::openapi::responses::Internal,
    ),
    security(("admin_key" = [])),
)]
pub async fn request_info(
    State(state): State<AppState>,
    PathParams(id): PathParams<String>,
    AdminSite(site): AdminSite,
    JsonBody(request): JsonBody<InfoRequest>,
) -> Result<Json<AdminTicketView>, AppError> {
    let change = Transition {
        to: TicketStatus::NeedsInfo,
        resolution: None,
        message: Some(request.message),
    };
    Ok(Json(transition_ticket(&state, &site, &id, change).await?))
}

/// Write to the shopper, or leave an internal note
///
/// The status does not change. Internal notes are never shown to the shopper.
#[utoipa::path(
    post,
    path = "/v1/admin/tickets/{id}/messages",
    operation_id = "admin_add_message",
    tag = "admin",
    params(
        ("id" = String, Path, description = "The ticket id, e.g. `HC-7F3K9Q`."),
    ),
    request_body(content = AgentMessage, description = "The text, and whether it is an internal note."),
    responses(
        (status = 200, description = "The message is on the timeline.", body = AdminTicketView),
        (status = 400, description = "`message.empty`.", body = ProblemDetails, content_type = "application/problem+json"),
        crate::openapi::responses::AgentMessageTooLong,
        crate::openapi::responses::AdminKeyRequired,
        crate::openapi::responses::SiteTicketNotFound,
        (status = 409, description = "`ticket.changed`: the ticket changed meanwhile; reload and retry.", body = ProblemDetails, content_type = "application/problem+json"),
        crate::openapi::responses::Internal,
    ),
    security(("admin_key" = [])),
)]
pub async fn message(
    State(state): State<AppState>,
    PathParams(id): PathParams<String>,
    AdminSite(site): AdminSite,
    JsonBody(message): JsonBody<AgentMessage>,
) -> Result<Json<AdminTicketView>, AppError> {
    Ok(Json(add_message(&state, &site, &id, message).await?))
}

/// Download a file of a ticket
#[utoipa::path(
    get,
    path = "/v1/admin/tickets/{id}/evidence/{upload}",
    operation_id = "admin_download_evidence",
    tag = "admin",
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
        crate::openapi::responses::AdminKeyRequired,
        (status = 404, description = "`ticket.not_found`; `not_found`: the ticket has no such file.", body = ProblemDetails, content_type = "application/problem+json"),
        crate::openapi::responses::Internal,
    ),
    security(("admin_key" = [])),
)]
pub async fn evidence(
    State(state): State<AppState>,
    PathParams((id, upload)): PathParams<(String, String)>,
    AdminSite(site): AdminSite,
) -> Result<EvidenceDownload, AppError> {
    let ticket = site_ticket(&state, &site, &id).await?;
    crate::tickets::evidence(&state, &ticket, &upload).await
}
