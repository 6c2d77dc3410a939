//! What a shopper does to their ticket once it is filed: write to the store (a message, more
//! evidence or both), dispute how it is handled, and get a new access token after proving the
//! ticket is theirs some other way. Each is checked by the rulebook (`helpcenter-core`) and
//! recorded on the timeline; who may act was decided before, by `routes::access`.

use helpcenter_api::{Escalation, EventActor, EventKind, Reply, TicketCreated, TicketView};
use helpcenter_core::{
    Actor, Field, Problem, ProblemCode, ReplySubmission, TicketStatus, check_message, limits,
    validate_reply,
};

use crate::auth::{self, sha256_hex};
use crate::sites::Site;
use crate::store::tickets::{NewEvent, TicketRecord};
use crate::ticket_filing::evidence_facts;
use crate::tickets::{append, view};
use crate::{AppError, AppState};

/// The shopper's message or files (or both) on `ticket` of `site`: an answer to a request for
/// information sends the ticket back to review; at any other open status it stays where it is.
pub async fn reply(
    state: &AppState,
    site: &Site,
    ticket: &TicketRecord,
    reply: &Reply,
) -> Result<TicketView, AppError> {
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
        evidence: evidence_facts(state, site, &reply.uploads).await?,
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
    record_and_show(state, &ticket.id, status, &event).await
}

/// The shopper disputes how `ticket` is handled: it goes to `escalated`.
pub async fn escalate(
    state: &AppState,
    ticket: &TicketRecord,
    escalation: &Escalation,
) -> Result<TicketView, AppError> {
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
    record_and_show(state, &ticket.id, status, &event).await
}

/// Records a shopper's event and answers with the ticket as it now stands.
async fn record_and_show(
    state: &AppState,
    ticket_id: &str,
    expected: TicketStatus,
    event: &NewEvent<'_>,
) -> Result<TicketView, AppError> {
    append(state, ticket_id, expected, event).await?;
    let ticket = state
        .store
        .ticket(ticket_id)
        .await?
        .ok_or_else(|| AppError::TicketNotFound(ticket_id.to_owned()))?;
    view(state, &ticket, false).await
}

/// The ticket with a new access token for it, for a shopper who proved it is theirs some
/// other way than the token they got at filing (which stays valid too).
pub async fn hand_over(state: &AppState, ticket: TicketRecord) -> Result<TicketCreated, AppError> {
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
