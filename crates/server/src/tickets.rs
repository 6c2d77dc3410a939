//! The ticket service, between HTTP and the store: what a ticket looks like to its shopper or
//! an agent, how an event joins its timeline (and reaches the open streams), and its evidence
//! files. The shopper's handlers (`routes::tickets`), the agents' (`routes::admin`) and the CLI
//! share it; who may do what is decided before, by `routes::access`.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use helpcenter_api::{EvidenceItem, TicketView};
use helpcenter_core::{Field, Problem, ProblemCode, TicketStatus};

use crate::store::tickets::{Appended, NewEvent, TicketRecord};
use crate::{AppError, AppState};

/// A ticket as its shopper sees it (or, with `internal`, with the agents' notes too).
pub async fn view(
    state: &AppState,
    ticket: &TicketRecord,
    internal: bool,
) -> Result<TicketView, AppError> {
    let status = ticket.status()?;
    let timeline = state.store.events(&ticket.id, 0, internal).await?;
    let evidence = state
        .store
        .ticket_evidence(&ticket.id)
        .await?
        .into_iter()
        .filter_map(|(id, filename, media_type, bytes)| {
            Some(EvidenceItem {
                url: format!("/v1/tickets/{}/evidence/{id}", ticket.id),
                media_type: serde_json::from_value(serde_json::Value::String(media_type)).ok()?,
                bytes: u64::try_from(bytes).ok()?,
                id,
                filename,
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
        created_at: ticket.created_at.clone(),
        updated_at: ticket.updated_at.clone(),
        respond_by: ticket.respond_by.clone(),
        shopper_can: status.next_for_shopper().to_vec(),
        timeline,
        evidence,
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

/// Records events in one transaction (all or none) and tells the open streams: the
/// shopper's of the public ones, the site's agents' of all.
pub async fn append_all(
    state: &AppState,
    ticket_id: &str,
    expected: TicketStatus,
    events: &[NewEvent<'_>],
) -> Result<Vec<helpcenter_api::TicketEvent>, AppError> {
    match state
        .store
        .append_events(ticket_id, expected, events)
        .await?
    {
        Appended::Appended {
            events: stored,
            site,
        } => {
            for (new, stored) in events.iter().zip(&stored) {
                if new.public {
                    state.events.publish(ticket_id, stored.clone());
                }
            }
            state.events.site_changed(&site);
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
    })
}

/// Always an attachment, never sniffed, never cached: the bytes are a stranger's.
impl IntoResponse for EvidenceDownload {
    fn into_response(self) -> Response {
        (
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
            .into_response()
    }
}
