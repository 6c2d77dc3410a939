//! A ticket followed live: its public timeline events as Server-Sent Events, with what a
//! reconnecting client missed replayed first (`ticket_stream`).

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::{Stream, StreamExt};
use helpcenter_api::ProblemDetails;
use serde::Deserialize;

use crate::routes::access::{bearer, open_ticket};
use crate::routes::extract::{PathParams, QueryParams};
use crate::{AppError, AppState};

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StreamQuery {
    /// The ticket's access token, for `EventSource`, which cannot send `Authorization`.
    access_token: Option<String>,
    /// The `id` of the last event received, for a client that opens a new `EventSource`
    /// itself (the browser gives up reconnecting after an HTTP error) and so cannot send
    /// `Last-Event-ID`. The header wins when both are sent. A value that is not a whole
    /// number is refused before the stream opens (400, as plain text). Any number up to
    /// 4294967295 (an event number's range) is taken; one past the last event replays nothing.
    #[param(format = Int64, maximum = 4294967295.0)]
    last_event_id: Option<u32>,
}

/// How long one event stream stays open before the client is made to reconnect.
pub const STREAM_LIFETIME: Duration = Duration::from_secs(30 * 60);

/// Follow a ticket live
///
/// Server-Sent Events: each public timeline event as it happens. A reconnect with
/// `Last-Event-ID` (or `?last_event_id=`) first replays what was missed from the database.
#[utoipa::path(
    get,
    path = "/v1/tickets/{id}/events",
    operation_id = "ticket_events",
    tag = "tickets",
    params(
        ("id" = String, Path, description = "The ticket id, e.g. `HC-7F3K9Q`."),
        StreamQuery,
        ("Last-Event-ID" = Option<String>, Header, description = "The `id` of the last event received (a number): the events after it are replayed first. EventSource sends it by itself on reconnect. Wins over the `last_event_id` query parameter; one that is not a number is ignored, as if none were sent."),
    ),
    responses(
        (status = 200, description = "`text/event-stream`, open until the client leaves, the server shuts down or 30 minutes have passed (EventSource then reconnects by itself with `Last-Event-ID`, and what it missed is replayed). Each event has `id: <seq>`, `event: ticket` and `data: <TicketEvent as JSON>`; comments keep the connection alive every 15 s.", body = helpcenter_api::TicketEvent, content_type = "text/event-stream"),
        crate::openapi::responses::TokenRequired,
        crate::openapi::responses::TicketNotFound,
        (status = 429, description = "`rate_limited`: too many requests (`Retry-After` says when to come back); `stream.too_many`: this address already has 8 event streams open, or the ticket 16: close one.", body = ProblemDetails, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait before trying again (`rate_limited` only)."))),
        crate::openapi::responses::Internal,
    ),
    security(("ticket_token" = []), ("ticket_token_query" = [])),
)]
pub async fn events(
    State(state): State<AppState>,
    client: Option<axum::extract::Extension<crate::client_ip::ClientIp>>,
    PathParams(id): PathParams<String>,
    QueryParams(query): QueryParams<StreamQuery>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    let token = bearer(&headers).or(query.access_token.as_deref());
    let ticket = open_ticket(&state, &id, token).await?;
    let client = client.map(|c| crate::client_ip::bucket(c.0.0).to_string());
    let slot = state
        .events
        .open_stream(&ticket.id, client.as_deref())
        .ok_or(AppError::Request {
            code: helpcenter_api::ErrorCode::StreamTooMany,
            status: StatusCode::TOO_MANY_REQUESTS,
            detail: format!(
                "too many open event streams (at most {} per address, {} per ticket): close one",
                crate::events::MAX_STREAMS_PER_CLIENT,
                crate::events::MAX_STREAMS_PER_TICKET
            ),
        })?;
    let after: u32 = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .or(query.last_event_id)
        .unwrap_or(0);
    let stream = crate::ticket_stream::follow(state.clone(), ticket.id.clone(), after)
        .take_until(state.shutdown.clone().cancelled_owned())
        // Ends after its lifetime: EventSource reconnects by itself with Last-Event-ID and
        // the backlog replays what it missed, so no stream holds its place for ever.
        .take_until(tokio::time::sleep(STREAM_LIFETIME))
        .map(move |event| {
            let _held = &slot;
            Ok(Event::default()
                .id(event.seq.to_string())
                .event("ticket")
                .json_data(&event)
                .unwrap_or_else(|_| Event::default().comment("unserialisable event")))
        });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
