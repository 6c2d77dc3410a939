//! The shopper's side of tickets: file one, read it, follow it live, answer the agent,
//! dispute it, list and open one's own, and find one again.

use std::convert::Infallible;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::{Stream, StreamExt};
use helpcenter_api::{
    Escalation, EventActor, EventKind, NewTicket, OrderVerification, ProblemDetails, RecoverTicket,
    Reply, SignedIn, TicketCreated, TicketSummary, TicketView,
};
use helpcenter_core::{
    Actor, EvidenceFile, Field, Problem, ProblemCode, ReplySubmission, Submission, TicketStatus,
    check_message, limits, validate_claim, validate_reply,
};
use serde::Deserialize;

use super::access::{TicketAccess, bearer, open_ticket};
use crate::auth::{self, sha256_hex};
use crate::routes::extract::{JsonBody, PathParams, QueryParams};
use crate::sites::Site;
use crate::store::tickets::{
    Created, NewEvent, NewTicketRecord, Outgoing, TicketFilter, TicketRecord,
};
use crate::store::timestamp;
use crate::tickets::{EvidenceDownload, append, view};
use crate::{AppError, AppState};

/// The customer the store's identity token (`Authorization: Bearer`) vouches for on `site`.
fn signed_in(site: &Site, headers: &HeaderMap) -> Result<auth::Customer, AppError> {
    if site.identity_secret.is_none() {
        return Err(AppError::IdentityNotConfigured);
    }
    site.identify(bearer(headers).ok_or(AppError::TokenRequired)?)
}

fn site<'s>(state: &'s AppState, key: &str) -> Result<&'s Site, AppError> {
    state
        .sites
        .get(key)
        .ok_or_else(|| AppError::SiteNotFound(key.to_owned()))
}

/// Human-friendly ticket ids: no 0/O, 1/I/L, so they survive being read over the phone.
fn new_ticket_id() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    let mut rng = rand::rng();
    let code: String = (0..6)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect();
    format!("HC-{code}")
}

/// The shopper's token for the ticket made under an idempotency key: derived, not stored, so
/// a retried create can hand back the same token the first attempt made.
fn access_token(state: &AppState, site: &str, idempotency_key: &str) -> String {
    state
        .secret
        .derive(&format!("ticket-access\n{site}\n{idempotency_key}"))
}

/// File a claim
///
/// The claim is checked again with the same rulebook as the widget (the same problem codes);
/// the uploads it names must be finished, of this site, not attached elsewhere, and satisfy the
/// evidence rules of the outcome the answers lead to.
#[utoipa::path(
    post,
    path = "/v1/sites/{site}/tickets",
    operation_id = "create_ticket",
    tag = "tickets",
    params(
        ("site" = String, Path, description = "The site's key, e.g. `demo`."),
        ("Idempotency-Key" = String, Header, min_length = 1, max_length = 128, description = "Required: 1 to 128 visible characters, new for each claim. A retry with the same key and body answers with the same ticket and token (200); the same key with a different body is a 422 (`idempotency.key_reused`)."),
    ),
    request_body(content = NewTicket, description = "The claim as entered, with the ids of its finished uploads."),
    responses(
        (status = 201, description = "Filed. Keep `access_token`: it is the way back to the ticket.", body = TicketCreated),
        (status = 200, description = "A retry of a create already answered (same Idempotency-Key and body): the same ticket and token.", body = TicketCreated),
        (status = 400, description = "`idempotency.key_missing`: no usable Idempotency-Key header.", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 401, description = "`identity.malformed`, `identity.bad_signature`, `identity.expired`, `identity.lifetime_too_long`: the body's `identity_token` was refused.", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "`site.not_found`; `identity.not_configured` when the body has an `identity_token` but the site signs none; `order.not_found` when the site looks orders up and the store has no order with this number and this email.", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "`submission.invalid`, with every `problems` entry (helpcenter-core's codes, `items[N]` for the claimed items of a checked order); `idempotency.key_reused`.", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 503, description = "`order.lookup_unavailable`: the site requires a checked order and the store's order system did not answer in time, or answered something unusable; nothing was filed.", body = ProblemDetails, content_type = "application/problem+json"),
        crate::openapi::responses::RateLimited,
        crate::openapi::responses::Internal,
        crate::openapi::responses::StorageFull,
    ),
)]
pub async fn create(
    State(state): State<AppState>,
    PathParams(site_key): PathParams<String>,
    headers: HeaderMap,
    client: Option<axum::extract::Extension<crate::client_ip::ClientIp>>,
    JsonBody(new): JsonBody<NewTicket>,
) -> Result<(StatusCode, Json<TicketCreated>), AppError> {
    let site = site(&state, &site_key)?;
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| (1..=limits::MAX_IDEMPOTENCY_KEY_BYTES).contains(&k.len()))
        .ok_or(AppError::IdempotencyKeyMissing)?
        .to_owned();
    if new.answers.len() > limits::MAX_ANSWERS {
        return Err(AppError::Invalid(vec![Problem::new(
            Field::Answers,
            ProblemCode::AnswersTooMany,
        )]));
    }
    if new.uploads.len() > limits::MAX_FILES as usize {
        return Err(AppError::Invalid(vec![Problem::new(
            Field::Evidence,
            ProblemCode::EvidenceTooMany,
        )]));
    }
    let customer = new
        .identity_token
        .as_deref()
        .map(|token| site.identify(token))
        .transpose()?;
    let request_sha256 = sha256_hex(&serde_json::to_string(&new).unwrap_or_default());
    let token = access_token(&state, &site.key, &key);

    // A retry of a request that already made its ticket is answered before re-validating:
    // its uploads are attached by now, and the answer must be the same ticket.
    if let Some(earlier) = state.store.idempotent_ticket(&site.key, &key).await? {
        return replay(&state, earlier, &request_sha256, token).await;
    }

    let ip = client.map(|axum::extract::Extension(crate::client_ip::ClientIp(ip))| {
        crate::client_ip::bucket(ip)
    });
    let accepted = match check_claim(&state, site, &new, ip).await {
        Ok(accepted) => accepted,
        // A concurrent duplicate may have committed meanwhile (attaching "our" uploads):
        // then the answer is its ticket, not a refusal.
        Err(refusal) => match state.store.idempotent_ticket(&site.key, &key).await? {
            Some(earlier) => return replay(&state, earlier, &request_sha256, token).await,
            None => return Err(refusal),
        },
    };
    let now = jiff::Timestamp::now();
    let respond_by = now
        .checked_add(jiff::SignedDuration::from_hours(i64::from(
            site.policy.service.first_response_hours,
        )))
        .unwrap_or(now);
    let locale = match new.locale.as_str() {
        l if site.policy.messages.contains_key(l) => l.to_owned(),
        _ => site.policy.default_locale.clone(),
    };
    let first = NewEvent {
        kind: EventKind::Created,
        actor: EventActor::Shopper,
        status: TicketStatus::Submitted,
        resolution: None,
        message: None,
        public: true,
        uploads: &new.uploads,
        at: now,
        agent: None,
    };
    for _ in 0..5 {
        let record = NewTicketRecord {
            ticket: TicketRecord {
                id: new_ticket_id(),
                site: site.key.clone(),
                status: TicketStatus::Submitted.as_str().into(),
                resolution: None,
                category: new.category.clone(),
                answers: serde_json::to_string(&new.answers).unwrap_or_else(|_| "[]".into()),
                outcome: accepted.outcome.clone(),
                order_number: accepted.order_number.clone(),
                email: new.email.trim().to_owned(),
                description: new.description.trim().to_owned(),
                delivered_on: accepted.delivered_on.map(|d| d.to_string()),
                locale: locale.clone(),
                customer_id: customer.as_ref().map(|c| c.id.clone()),
                created_at: timestamp(now),
                updated_at: timestamp(now),
                respond_by: timestamp(respond_by),
                assignee: None,
            },
            access_token_sha256: sha256_hex(&token),
            idempotency: (&key, request_sha256.clone()),
            uploads: &new.uploads,
            order: accepted.order.as_ref(),
        };
        let outgoing = Outgoing {
            mails: crate::mail::plan(&state.secret, site, &record.ticket, 1, &first),
            webhooks: crate::webhooks::plan(site, &record.ticket, 1, &first),
        };
        match state
            .store
            .create_ticket(&record, &first, &outgoing)
            .await?
        {
            Created::IdTaken => continue,
            Created::Created => {
                state.outbox.wake();
                state.events.committed(&site.key, &record.ticket.id, None);
                let ticket = view(&state, &record.ticket, false).await?;
                tracing::info!(ticket = %ticket.id, site = %site.key, outcome = %ticket.outcome, "ticket created");
                return Ok((
                    StatusCode::CREATED,
                    Json(TicketCreated {
                        ticket_id: ticket.id.clone(),
                        access_token: token,
                        ticket,
                    }),
                ));
            }
            Created::Replayed(id) => {
                return replay(&state, (id, request_sha256.clone()), &request_sha256, token).await;
            }
            Created::KeyReused => return Err(AppError::IdempotencyKeyReused),
            Created::UploadUnavailable(upload) => {
                let i = new.uploads.iter().position(|u| u == &upload).unwrap_or(0);
                return Err(AppError::Invalid(vec![Problem::new(
                    Field::EvidenceFile(i),
                    ProblemCode::FileAlreadyAttached,
                )]));
            }
        }
    }
    Err(AppError::Store(crate::store::StoreError::Corrupt(
        "no free ticket id after 5 tries".into(),
    )))
}

/// What a checked claim is filed under.
struct CheckedClaim {
    outcome: String,
    order_number: String,
    delivered_on: Option<helpcenter_core::CivilDate>,
    /// On a site that looks orders up: what the store said.
    order: Option<helpcenter_api::TicketOrder>,
}

/// What the server found in the uploads `ids` names, when each is finished, this site's and
/// not attached elsewhere; otherwise a problem at each one that is not.
async fn evidence_facts(
    state: &AppState,
    site: &Site,
    ids: &[String],
) -> Result<Vec<EvidenceFile>, AppError> {
    let stored = state.store.completed_uploads(&site.key, ids).await?;
    let mut problems = Vec::new();
    let mut facts = Vec::with_capacity(ids.len());
    for (i, id) in ids.iter().enumerate() {
        match stored.iter().find(|u| &u.id == id) {
            None => problems.push(Problem::new(
                Field::EvidenceFile(i),
                ProblemCode::FileNotUploaded,
            )),
            Some(u) if u.ticket_id.is_some() => problems.push(Problem::new(
                Field::EvidenceFile(i),
                ProblemCode::FileAlreadyAttached,
            )),
            Some(u) => facts.push(u.facts.clone()),
        }
    }
    if problems.is_empty() {
        Ok(facts)
    } else {
        Err(AppError::Invalid(problems))
    }
}

/// The rulebook's verdict on a claim, with the facts of its uploads as the server found them
/// (finished, this site's, not attached elsewhere).
async fn check_claim(
    state: &AppState,
    site: &Site,
    new: &NewTicket,
    ip: Option<std::net::IpAddr>,
) -> Result<CheckedClaim, AppError> {
    let evidence = evidence_facts(state, site, &new.uploads).await?;
    if site.order_lookup.is_none() && !new.items.is_empty() {
        return Err(AppError::Invalid(vec![Problem::new(
            Field::Items,
            ProblemCode::ItemsWithoutOrder,
        )]));
    }
    // The store is asked again (or its answer of a moment ago reused): the order may have
    // changed since the widget showed it, and nothing from the browser is trusted. A
    // malformed number or email is not sent; the rulebook reports it below.
    let well_formed = site.policy.order_number.check(&new.order_number).is_none()
        && helpcenter_core::submission::check_email(&new.email).is_none();
    let order = match well_formed {
        true => crate::orders::check(state, site, &new.order_number, &new.email, ip).await?,
        false => None,
    };
    let verified = match &order {
        Some(crate::orders::OrderCheck::Verified(order)) => Some(order),
        _ => None,
    };
    let submission = Submission {
        category: new.category.clone(),
        answers: new.answers.clone(),
        order_number: new.order_number.clone(),
        description: new.description.clone(),
        email: new.email.clone(),
        delivered_on: new.delivered_on.clone(),
        evidence,
    };
    let (accepted, delivered_on_source) = validate_claim(
        &site.policy,
        &submission,
        verified,
        &new.items,
        site.today(),
    )
    .map_err(AppError::Invalid)?;
    let order = order.map(|check| {
        let (verification, unverified_reason, store_order) = match check {
            crate::orders::OrderCheck::Verified(order) => {
                (OrderVerification::Verified, None, Some(order))
            }
            crate::orders::OrderCheck::Unverified(failure) => (
                OrderVerification::Unverified,
                Some(failure.to_string()),
                None,
            ),
        };
        helpcenter_api::TicketOrder {
            verification,
            unverified_reason,
            delivered_on_source,
            store_order,
            items: new.items.clone(),
            checked_at: timestamp(jiff::Timestamp::now()),
        }
    });
    Ok(CheckedClaim {
        outcome: accepted.decision.outcome.id.clone(),
        order_number: accepted.order_number,
        delivered_on: accepted.delivered_on,
        order,
    })
}

async fn replay(
    state: &AppState,
    (ticket_id, earlier_sha256): (String, String),
    request_sha256: &str,
    token: String,
) -> Result<(StatusCode, Json<TicketCreated>), AppError> {
    if earlier_sha256 != request_sha256 {
        return Err(AppError::IdempotencyKeyReused);
    }
    let record = state
        .store
        .ticket(&ticket_id)
        .await?
        .ok_or_else(|| AppError::TicketNotFound(ticket_id.clone()))?;
    let ticket = view(state, &record, false).await?;
    Ok((
        StatusCode::OK,
        Json(TicketCreated {
            ticket_id,
            access_token: token,
            ticket,
        }),
    ))
}

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
    let status = ticket.status()?;
    let after =
        status
            .after_shopper_message()
            .ok_or(helpcenter_core::TransitionError::NotAllowed {
                from: status,
                to: TicketStatus::InReview,
                allowed: &[],
            })?;
    let rule = &site
        .policy
        .outcome(&ticket.outcome)
        .ok_or_else(|| {
            AppError::Store(crate::store::StoreError::Corrupt(format!(
                "outcome {}",
                ticket.outcome
            )))
        })?
        .evidence
        .media;
    // Bounded before the database is asked about each id.
    if reply.uploads.len() > limits::MAX_FILES as usize {
        return Err(AppError::Invalid(vec![Problem::new(
            Field::Evidence,
            ProblemCode::EvidenceTooMany,
        )]));
    }
    // The same rule the widget applied while the shopper wrote, now on the files as the
    // server found them.
    let submission = ReplySubmission {
        message: reply.message.clone(),
        evidence: evidence_facts(&state, site, &reply.uploads).await?,
    };
    validate_reply(rule, &submission, ticket.delivered_on()?).map_err(AppError::Invalid)?;
    let message = reply.message.trim();
    let event = NewEvent {
        kind: EventKind::ShopperReply,
        actor: EventActor::Shopper,
        status: after,
        resolution: None,
        message: Some(message).filter(|m| !m.is_empty()),
        public: true,
        uploads: &reply.uploads,
        at: jiff::Timestamp::now(),
        agent: None,
    };
    record_and_show(&state, &ticket.id, status, &event).await
}

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
    if let Some(code) = check_message(&escalation.message) {
        return Err(AppError::Invalid(vec![Problem::new(Field::Message, code)]));
    }
    let message = escalation.message.trim();
    let status = ticket.status()?;
    helpcenter_core::transition(status, TicketStatus::Escalated, None, Actor::Shopper)?;
    let event = NewEvent {
        kind: EventKind::StatusChanged,
        actor: EventActor::Shopper,
        status: TicketStatus::Escalated,
        resolution: None,
        message: Some(message).filter(|m| !m.is_empty()),
        public: true,
        uploads: &[],
        at: jiff::Timestamp::now(),
        agent: None,
    };
    record_and_show(&state, &ticket.id, status, &event).await
}

/// Records a shopper's event and answers with the ticket as it now stands.
async fn record_and_show(
    state: &AppState,
    ticket_id: &str,
    expected: TicketStatus,
    event: &NewEvent<'_>,
) -> Result<Json<TicketView>, AppError> {
    append(state, ticket_id, expected, event).await?;
    let ticket = state
        .store
        .ticket(ticket_id)
        .await?
        .ok_or_else(|| AppError::TicketNotFound(ticket_id.to_owned()))?;
    Ok(Json(view(state, &ticket, false).await?))
}

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

/// The ticket with a new access token for it, for a shopper who proved it is theirs some
/// other way than the token they got at filing (which stays valid too).
async fn hand_over(state: &AppState, ticket: TicketRecord) -> Result<TicketCreated, AppError> {
    let token = auth::new_secret();
    state
        .store
        .add_access_token(&ticket.id, &sha256_hex(&token), jiff::Timestamp::now())
        .await?;
    let view = view(state, &ticket, false).await?;
    Ok(TicketCreated {
        ticket_id: ticket.id,
        access_token: token,
        ticket: view,
    })
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
