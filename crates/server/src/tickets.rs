//! The ticket service, between HTTP and the store: what a ticket looks like to its shopper or
//! an agent, how an event joins its timeline (and reaches the open streams), and its evidence
//! files. The shopper's handlers (`routes::tickets`), the agents' (`routes::admin`) and the CLI
//! share it; who may do what is decided before, by `routes::access`.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use helpcenter_api::{EvidenceItem, TicketView};
use helpcenter_core::{Field, Problem, ProblemCode, TicketStatus};

use crate::store::tickets::{Appended, NewEvent, Outgoing, TicketRecord};
use crate::{AppError, AppState};

/// A ticket as its shopper sees it (or, with `internal`, with the agents' notes too).
pub async fn view(
    state: &AppState,
    ticket: &TicketRecord,
    internal: bool,
) -> Result<TicketView, AppError> {
    let status = ticket.status()?;
    let read = state.store.ticket_details(&ticket.id, internal);
    let details = state
        .unchanged_reads
        .details(&ticket.id, internal, read)
        .await?;
    let details = std::sync::Arc::unwrap_or_clone(details);
    let evidence = details
        .evidence
        .into_iter()
        .filter_map(|file| {
            Some(EvidenceItem {
                url: format!("/v1/tickets/{}/evidence/{}", ticket.id, file.id),
                media_type: serde_json::from_value(serde_json::Value::String(file.media_type?))
                    .ok()?,
                bytes: u64::try_from(file.bytes).ok()?,
                id: file.id,
                filename: file.filename,
            })
        })
        .collect();
    let remedy = state
        .sites
        .get(&ticket.site)
        .and_then(|s| s.policy.outcome(&ticket.outcome))
        .map_or(helpcenter_core::Remedy::Review, |o| o.remedy);
    Ok(TicketView {
        id: ticket.id.clone(),
        site: ticket.site.clone(),
        status,
        resolution: ticket.resolution()?,
        category: ticket.category.clone(),
        outcome: ticket.outcome.clone(),
        remedy,
        order_number: ticket.order_number.clone(),
        delivered_on: ticket.delivered_on()?,
        description: ticket.description.clone(),
        answers: ticket.answers()?,
        created_at: ticket.created_at.clone(),
        updated_at: ticket.updated_at.clone(),
        respond_by: ticket.respond_by.clone(),
        shopper_can: status.next_for_shopper().to_vec(),
        timeline: details.timeline,
        evidence,
        order: details.order.map(Box::new),
    })
}

/// Records an event and tells the open streams.
pub async fn append(
    state: &AppState,
    ticket_id: &str,
    expected: TicketStatus,
    event: &NewEvent<'_>,
) -> Result<helpcenter_api::TicketEvent, AppError> {
    append_all(state, ticket_id, expected, std::slice::from_ref(event))
        .await?
        .pop()
        .ok_or(AppError::TicketChanged)
}

/// Records events in one transaction (all or none), with the mails and webhooks they cause
/// in the outboxes, and tells the open streams (the shopper's of the public ones, the site's
/// agents' of all) and the outboxes' workers. Every event of a ticket's timeline is written
/// here.
pub async fn append_all(
    state: &AppState,
    ticket_id: &str,
    expected: TicketStatus,
    events: &[NewEvent<'_>],
) -> Result<Vec<helpcenter_api::TicketEvent>, AppError> {
    match state
        .store
        .append_events(
            ticket_id,
            expected,
            events,
            |ticket, seq, event| match state.sites.get(&ticket.site) {
                Some(site) => Outgoing {
                    mails: crate::mail::plan(&state.secret, site, ticket, seq, event),
                    webhooks: crate::webhooks::plan(site, ticket, seq, event),
                },
                None => Outgoing::default(),
            },
        )
        .await?
    {
        Appended::Appended {
            events: stored,
            site,
        } => {
            state.outbox.wake();
            let news = match (stored.first(), stored.last()) {
                (Some(first), Some(last)) => Some(crate::events::TicketNews::Events {
                    first: first.seq,
                    last: last.seq,
                    public: events
                        .iter()
                        .zip(&stored)
                        .filter(|(new, _)| new.public)
                        .map(|(_, stored)| stored.clone())
                        .collect(),
                }),
                _ => None,
            };
            state.events.committed(&site, ticket_id, news);
            Ok(stored)
        }
        Appended::StatusChanged => Err(AppError::TicketChanged),
        Appended::UploadUnavailable(upload) => {
            let i = events
                .iter()
                .find_map(|e| e.uploads.iter().position(|u| u == &upload))
                .unwrap_or(0);
            Err(AppError::Invalid(vec![Problem::new(
                Field::EvidenceFile(i),
                ProblemCode::FileAlreadyAttached,
            )]))
        }
    }
}

/// A file of a ticket's evidence, ready to be sent.
pub struct EvidenceDownload {
    media_type: &'static str,
    /// The shopper's file name, reduced to characters safe in a header.
    filename: String,
    body: axum::body::Body,
    length: u64,
    /// With a byte range asked for and served: `(first, last, the file's length)`.
    part: Option<(u64, u64, u64)>,
    /// Whether this address serves byte ranges (says so with `Accept-Ranges`).
    ranges: bool,
}

/// The one byte range of a `Range` header (`bytes=a-b`, `bytes=a-`, `bytes=-n`) within a
/// file of `length` bytes, as `(first, last)`; `None` for anything else (several ranges, a
/// range past the end), which is answered with the whole file, as HTTP allows.
pub fn byte_range(header: &str, length: u64) -> Option<(u64, u64)> {
    let spec = header.trim().strip_prefix("bytes=")?;
    if spec.contains(',') || length == 0 {
        return None;
    }
    let (first, last) = spec.split_once('-')?;
    let (first, last) = (first.trim(), last.trim());
    let (first, last) = if first.is_empty() {
        let suffix: u64 = last.parse().ok()?;
        if suffix == 0 {
            return None;
        }
        (length.saturating_sub(suffix), length - 1)
    } else {
        let first: u64 = first.parse().ok()?;
        let last = if last.is_empty() {
            length - 1
        } else {
            last.parse::<u64>().ok()?.min(length - 1)
        };
        (first, last)
    };
    (first <= last && first < length).then_some((first, last))
}

/// [`evidence`], or the part of it `range` (a `Range` header) asks for: what lets an agent's
/// video player seek.
pub async fn evidence_part(
    state: &AppState,
    ticket: &TicketRecord,
    upload: &str,
    range: Option<&str>,
) -> Result<EvidenceDownload, AppError> {
    let whole = EvidenceDownload {
        ranges: true,
        ..evidence(state, ticket, upload).await?
    };
    let Some((first, last)) = range.and_then(|r| byte_range(r, whole.length)) else {
        return Ok(whole);
    };
    let body = state
        .evidence
        .read_range(upload, first, last + 1)
        .await
        .map_err(|_| AppError::NotFound)?;
    Ok(EvidenceDownload {
        body,
        part: Some((first, last, whole.length)),
        length: last - first + 1,
        ..whole
    })
}

/// The file `upload` of `ticket`'s evidence; `not_found` when the ticket has no such file.
pub async fn evidence(
    state: &AppState,
    ticket: &TicketRecord,
    upload: &str,
) -> Result<EvidenceDownload, AppError> {
    let not_found = || AppError::NotFound;
    let stored = state.store.upload(upload).await?.ok_or_else(not_found)?;
    if stored.ticket_id.as_deref() != Some(ticket.id.as_str()) {
        return Err(not_found());
    }
    let media_type = stored.facts.media_type.ok_or_else(not_found)?;
    let (body, length) = state.evidence.read(upload).await.map_err(|_| not_found())?;
    let filename: String = stored
        .facts
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    Ok(EvidenceDownload {
        media_type: media_type.mime(),
        filename,
        body,
        length,
        part: None,
        ranges: false,
    })
}

/// Always an attachment, never sniffed, never cached: the bytes are a stranger's.
impl IntoResponse for EvidenceDownload {
    fn into_response(self) -> Response {
        let status = if self.part.is_some() {
            axum::http::StatusCode::PARTIAL_CONTENT
        } else {
            axum::http::StatusCode::OK
        };
        let mut response = (
            status,
            [
                (header::CONTENT_TYPE, self.media_type.to_owned()),
                (header::CONTENT_LENGTH, self.length.to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{}\"", self.filename),
                ),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
                (header::CACHE_CONTROL, "private, no-store".to_owned()),
            ],
            self.body,
        )
            .into_response();
        if self.ranges {
            response.headers_mut().insert(
                header::ACCEPT_RANGES,
                axum::http::HeaderValue::from_static("bytes"),
            );
        }
        if let Some((first, last, length)) = self.part
            && let Ok(value) = format!("bytes {first}-{last}/{length}").parse()
        {
            response.headers_mut().insert(header::CONTENT_RANGE, value);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::byte_range;

    #[test]
    fn one_byte_range_is_read_and_anything_else_means_the_whole_file() {
        assert_eq!(byte_range("bytes=0-99", 1000), Some((0, 99)));
        assert_eq!(byte_range("bytes=500-", 1000), Some((500, 999)));
        assert_eq!(byte_range("bytes=-100", 1000), Some((900, 999)));
        assert_eq!(byte_range("bytes=900-5000", 1000), Some((900, 999)));
        assert_eq!(byte_range("bytes=-5000", 1000), Some((0, 999)));
        for whole in [
            "bytes=1000-",
            "bytes=5-4",
            "bytes=0-1,5-9",
            "items=0-1",
            "bytes=-0",
            "bytes=a-b",
            "",
        ] {
            assert_eq!(byte_range(whole, 1000), None, "{whole}");
        }
        assert_eq!(byte_range("bytes=0-", 0), None);
    }
}
