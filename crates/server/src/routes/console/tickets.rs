//! The console's tickets: the inbox, one ticket, what an agent does to it, its files, the
//! saved replies filled in for it, and the site's live stream.

use std::convert::Infallible;
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::{Stream, StreamExt};
use helpcenter_api::console::{
    Assign, ConsoleStreamEvent, ConsoleTicket, InboxPage, InboxQuery, RequestInfo, SavedReply,
};
use helpcenter_api::{AgentMessage, ProblemDetails, Transition};
use serde::Deserialize;

use crate::routes::access::AgentSession;
use crate::tickets::EvidenceDownload;
use crate::{AppError, AppState, console, ticket_actions};

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default, deny_unknown_fields)]
pub struct TicketQuery {
    /// The language of the claim's words (the decision path, the category, the outcome):
    /// `en` (the default) or `zh-CN`.
    pub locale: Option<String>,
}

impl TicketQuery {
    fn locale(&self) -> &str {
        self.locale.as_deref().unwrap_or("en")
    }
}

/// The inbox
///
/// The site's tickets that match the filters, a page at a time (keyset: pass `next` as
/// `after`), with the counts per status of every ticket matching the filters but `status`.
#[utoipa::path(
    get,
    path = "/v1/console/tickets",
    operation_id = "console_inbox",
    tag = "console",
    params(InboxQuery),
    responses(
        (status = 200, description = "A page of the inbox.", body = InboxPage),
        (status = 400, description = "`console.cursor_invalid`: `after` is not a cursor of this order.", body = ProblemDetails, content_type = "application/problem+json"),
        crate::openapi::responses::SessionRefused,
        crate::openapi::responses::Internal,
    ),
    security(("agent_session" = [])),
)]
pub async fn inbox(
    State(state): State<AppState>,
    session: AgentSession,
    Query(query): Query<InboxQuery>,
) -> Result<Json<InboxPage>, AppError> {
    Ok(Json(
        console::inbox(&state, &session.site, &session.agent, query).await?,
    ))
}

/// A ticket
///
/// The claim as filed (the decision path in words), outcome and remedy, the claim window at
/// filing, the shopper's contact, the files with what their bytes are, and the whole
/// timeline with internal notes and who acted.
#[utoipa::path(
    get,
    path = "/v1/console/tickets/{id}",
    operation_id = "console_ticket",
    tag = "console",
    params(
        ("id" = String, Path, description = "The ticket id, e.g. `HC-7F3K9Q`."),
        TicketQuery,
    ),
    responses(
        (status = 200, description = "The ticket.", body = ConsoleTicket),
        crate::openapi::responses::SessionRefused,
        crate::openapi::responses::ConsoleTicketNotFound,
        crate::openapi::responses::Internal,
    ),
    security(("agent_session" = [])),
)]
pub async fn show(
    State(state): State<AppState>,
    session: AgentSession,
    Path(id): Path<String>,
    Query(query): Query<TicketQuery>,
) -> Result<Json<ConsoleTicket>, AppError> {
    Ok(Json(
        console::ticket(&state, &session.site, &id, query.locale()).await?,
    ))
}

/// Change a ticket's status
///
/// Through the ticket state machine (`agent_can`); resolving needs a `resolution`; asking for
/// information (`needs_info`) needs a `message` and works from a new ticket too.
#[utoipa::path(
    post,
    path = "/v1/console/tickets/{id}/transition",
    operation_id = "console_transition",
    tag = "console",
    params(
        ("id" = String, Path, description = "The ticket id, e.g. `HC-7F3K9Q`."),
        TicketQuery,
    ),
    request_body(content = Transition, description = "The status to move to, with a resolution and a message to the shopper where they apply."),
    responses(
        (status = 200, description = "Moved, recorded as done by the agent.", body = ConsoleTicket),
        (status = 400, description = "`message.required`: asking for information needs a message.", body = ProblemDetails, content_type = "application/problem+json"),
        crate::openapi::responses::SessionRefused,
        crate::openapi::responses::OriginRefused,
        crate::openapi::responses::ConsoleTicketNotFound,
        (status = 409, description = "`ticket.transition_not_allowed` (with `allowed`), `ticket.resolution_missing`, `ticket.resolution_unexpected`; `ticket.changed`: it changed meanwhile, reload and retry.", body = ProblemDetails, content_type = "application/problem+json"),
        crate::openapi::responses::AgentMessageTooLong,
        crate::openapi::responses::Internal,
    ),
    security(("agent_session" = [])),
)]
pub async fn transition(
    State(state): State<AppState>,
    session: AgentSession,
    Path(id): Path<String>,
    Query(query): Query<TicketQuery>,
    Json(change): Json<Transition>,
) -> Result<Json<ConsoleTicket>, AppError> {
    let ticket = console::site_ticket(&state, &session.site, &id).await?;
    ticket_actions::transition(&state, &ticket, change, Some(&session.agent.id)).await?;
    show(State(state), session, Path(id), Query(query)).await
}

/// Ask the shopper for information
///
/// The ticket becomes `needs_info` with the question on its timeline; from a new
/// (`submitted`) or disputed ticket it is moved to review in the same step.
#[utoipa::path(
    post,
    path = "/v1/console/tickets/{id}/request-info",
    operation_id = "console_request_info",
    tag = "console",
    params(
        ("id" = String, Path, description = "The ticket id, e.g. `HC-7F3K9Q`."),
        TicketQuery,
    ),
    request_body(content = RequestInfo, description = "What the shopper must send or answer."),
    responses(
        (status = 200, description = "The ticket is `needs_info`; the shopper sees the question.", body = ConsoleTicket),
        (status = 400, description = "`message.required`: the question is empty.", body = ProblemDetails, content_type = "application/problem+json"),
        crate::openapi::responses::SessionRefused,
        crate::openapi::responses::OriginRefused,
        crate::openapi::responses::ConsoleTicketNotFound,
        (status = 409, description = "`ticket.transition_not_allowed` (with `allowed`): the ticket is waiting for the shopper already, resolved or closed; `ticket.changed`.", body = ProblemDetails, content_type = "application/problem+json"),
        crate::openapi::responses::AgentMessageTooLong,
        crate::openapi::responses::Internal,
    ),
    security(("agent_session" = [])),
)]
pub async fn request_info(
    State(state): State<AppState>,
    session: AgentSession,
    Path(id): Path<String>,
    Query(query): Query<TicketQuery>,
    Json(request): Json<RequestInfo>,
) -> Result<Json<ConsoleTicket>, AppError> {
    let ticket = console::site_ticket(&state, &session.site, &id).await?;
    ticket_actions::request_info(&state, &ticket, &request.question, Some(&session.agent.id))
        .await?;
    show(State(state), session, Path(id), Query(query)).await
}

/// Reply to the shopper, or leave an internal note
///
/// The status does not change. Internal notes never reach the shopper (their view, their
/// stream).
#[utoipa::path(
    post,
    path = "/v1/console/tickets/{id}/messages",
    operation_id = "console_message",
    tag = "console",
    params(
        ("id" = String, Path, description = "The ticket id, e.g. `HC-7F3K9Q`."),
        TicketQuery,
    ),
    request_body(content = AgentMessage, description = "The text, and whether it is an internal note."),
    responses(
        (status = 200, description = "The message is on the timeline.", body = ConsoleTicket),
        (status = 400, description = "`message.empty`.", body = ProblemDetails, content_type = "application/problem+json"),
        crate::openapi::responses::SessionRefused,
        crate::openapi::responses::OriginRefused,
        crate::openapi::responses::ConsoleTicketNotFound,
        (status = 409, description = "`ticket.changed`: the ticket changed meanwhile; reload and retry.", body = ProblemDetails, content_type = "application/problem+json"),
        crate::openapi::responses::AgentMessageTooLong,
        crate::openapi::responses::Internal,
    ),
    security(("agent_session" = [])),
)]
pub async fn message(
    State(state): State<AppState>,
    session: AgentSession,
    Path(id): Path<String>,
    Query(query): Query<TicketQuery>,
    Json(message): Json<AgentMessage>,
) -> Result<Json<ConsoleTicket>, AppError> {
    let ticket = console::site_ticket(&state, &session.site, &id).await?;
    ticket_actions::message(&state, &ticket, &message, Some(&session.agent.id)).await?;
    show(State(state), session, Path(id), Query(query)).await
}

/// Assign a ticket
///
/// To an active agent of the site (yourself included), or to nobody with `agent_id: null`.
#[utoipa::path(
    post,
    path = "/v1/console/tickets/{id}/assign",
    operation_id = "console_assign",
    tag = "console",
    params(
        ("id" = String, Path, description = "The ticket id, e.g. `HC-7F3K9Q`."),
        TicketQuery,
    ),
    request_body(content = Assign, description = "The agent's id, or null."),
    responses(
        (status = 200, description = "Assigned; the change is on the timeline for agents.", body = ConsoleTicket),
        crate::openapi::responses::SessionRefused,
        crate::openapi::responses::OriginRefused,
        crate::openapi::responses::ConsoleTicketNotFound,
        (status = 409, description = "`ticket.changed`: the ticket changed meanwhile; reload and retry.", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "`console.agent_not_found`: the site has no such active agent.", body = ProblemDetails, content_type = "application/problem+json"),
        crate::openapi::responses::Internal,
    ),
    security(("agent_session" = [])),
)]
pub async fn assign(
    State(state): State<AppState>,
    session: AgentSession,
    Path(id): Path<String>,
    Query(query): Query<TicketQuery>,
    Json(assign): Json<Assign>,
) -> Result<Json<ConsoleTicket>, AppError> {
    console::assign(
        &state,
        &session.site,
        &id,
        assign.agent_id.as_deref(),
        &session.agent,
    )
    .await?;
    show(State(state), session, Path(id), Query(query)).await
}

/// Open a file of a ticket
///
/// For the agent's evidence viewer (`<img>`, `<video>` on the console's origin). One byte
/// range (`Range: bytes=…`) is served as 206 Partial Content, so videos can be sought; any
/// other range is answered with the whole file.
#[utoipa::path(
    get,
    path = "/v1/console/tickets/{id}/evidence/{upload}",
    operation_id = "console_evidence",
    tag = "console",
    params(
        ("id" = String, Path, description = "The ticket id, e.g. `HC-7F3K9Q`."),
        ("upload" = String, Path, description = "The upload id, as listed in the ticket's `evidence`."),
        ("Range" = Option<String>, Header, description = "One byte range, `bytes=first-last`, `bytes=first-` or `bytes=-length`."),
    ),
    responses(
        (status = 200, description = "The file, with its sniffed type; never sniffed by the browser.",
            content(("image/jpeg"), ("image/png"), ("image/webp"), ("image/heic"), ("video/mp4"), ("video/quicktime"), ("video/webm")),
            headers(
                ("Content-Disposition" = String, description = "`attachment; filename=\"…\"`"),
                ("X-Content-Type-Options" = String, description = "`nosniff`"),
                ("Cache-Control" = String, description = "`private, no-store`"),
                ("Content-Length" = u64, description = "The file's size in bytes."),
                ("Accept-Ranges" = String, description = "`bytes`"),
            )
        ),
        (status = 206, description = "The byte range asked for.",
            content(("image/jpeg"), ("image/png"), ("image/webp"), ("image/heic"), ("video/mp4"), ("video/quicktime"), ("video/webm")),
            headers(
                ("Content-Range" = String, description = "`bytes first-last/length`"),
                ("Content-Length" = u64, description = "The range's size in bytes."),
            )
        ),
        crate::openapi::responses::SessionRefused,
        (status = 404, description = "`ticket.not_found`: the agent's site has no such ticket; `not_found`: the ticket has no such file.", body = ProblemDetails, content_type = "application/problem+json"),
        crate::openapi::responses::Internal,
    ),
    security(("agent_session" = [])),
)]
pub async fn evidence(
    State(state): State<AppState>,
    session: AgentSession,
    Path((id, upload)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<EvidenceDownload, AppError> {
    let ticket = console::site_ticket(&state, &session.site, &id).await?;
    let range = headers
        .get(axum::http::header::RANGE)
        .and_then(|v| v.to_str().ok());
    crate::tickets::evidence_part(&state, &ticket, &upload, range).await
}

/// Saved replies for a ticket
///
/// The site's saved replies with `{ticket_id}`, `{order_number}` and `{respond_by}` filled
/// in for this ticket, in both languages: what the shopper would read.
#[utoipa::path(
    get,
    path = "/v1/console/tickets/{id}/saved-replies",
    operation_id = "console_ticket_saved_replies",
    tag = "console",
    params(
        ("id" = String, Path, description = "The ticket id, e.g. `HC-7F3K9Q`."),
    ),
    responses(
        (status = 200, description = "The saved replies, filled in.", body = [SavedReply]),
        crate::openapi::responses::SessionRefused,
        crate::openapi::responses::ConsoleTicketNotFound,
        crate::openapi::responses::Internal,
    ),
    security(("agent_session" = [])),
)]
pub async fn saved_replies(
    State(state): State<AppState>,
    session: AgentSession,
    Path(id): Path<String>,
) -> Result<Json<Vec<SavedReply>>, AppError> {
    Ok(Json(
        console::saved_replies_for(&state, &session.site, &id).await?,
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StreamQuery {
    /// The `id` of the last event received, for a client that opens a new `EventSource`
    /// itself and so cannot send `Last-Event-ID`. The header wins when both are sent.
    last_event_id: Option<u64>,
}

/// Follow the site live
///
/// Server-Sent Events (`event: ticket`, data `ConsoleStreamEvent`): every event on any
/// ticket of the site, internal notes and assignments included, with the ticket's inbox row
/// after it; the SSE `id` is a site-wide number. A reconnect with `Last-Event-ID` (or
/// `?last_event_id=`) first replays what was missed; without one the stream starts now. It
/// ends when the session does (signed out, expired, agent disabled).
#[utoipa::path(
    get,
    path = "/v1/console/events",
    operation_id = "console_events",
    tag = "console",
    params(
        StreamQuery,
        ("Last-Event-ID" = Option<u64>, Header, description = "The `id` of the last event received: the events after it are replayed first."),
    ),
    responses(
        (status = 200, description = "The event stream.", content_type = "text/event-stream", body = ConsoleStreamEvent),
        crate::openapi::responses::SessionRefused,
        crate::openapi::responses::Internal,
    ),
    security(("agent_session" = [])),
)]
pub async fn events(
    State(state): State<AppState>,
    session: AgentSession,
    Query(query): Query<StreamQuery>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    let last: Option<u64> = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .or(query.last_event_id);
    let after = crate::agent_stream::start_after(&state, &session.site.key, last).await?;
    let stream = crate::agent_stream::follow(
        state.clone(),
        session.site.key.clone(),
        session.token.clone(),
        after,
    )
    .map(|event| {
        Ok(Event::default()
            .id(event.cursor.to_string())
            .event("ticket")
            .json_data(&event)
            .unwrap_or_else(|_| Event::default().comment("unserialisable event")))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
